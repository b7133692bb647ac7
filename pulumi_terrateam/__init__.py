"""pulumi_terrateam: Terrateam API tokens and KV entries as Pulumi resources."""

"""Reading a request's query: the URL query string, keyset pagination and the ``q`` language."""

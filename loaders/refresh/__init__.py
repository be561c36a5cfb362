"""Refresh the raw files from the publishers' own services (issue #17).

    python -m loaders refresh [--source NAME ...] [--la E09000006] [--cache DIR]
                              [--base-url NAME=URL ...] [--dry-run]

Layout:

* :mod:`.http`: one ``requests`` session with urllib3 ``Retry`` (backoff on connection errors and 429/5xx),
  timeouts on every request, and downloads streamed to a temporary file that replaces nothing until the
  body is complete (Content-Length checked) and parsed;
* :mod:`.cache`: the raw cache folder and its ``manifest.json`` (URL, fetch time, ETag / Last-Modified,
  sha256 per file); a source's files are staged and committed together, so a failed source leaves its
  previous files in place;
* :mod:`.report`: the change report (periods added, values revised, areas added or removed) between the
  previous and the new copy of each file;
* one module per source: :mod:`.fingertips`, :mod:`.ees`, :mod:`.ons`, :mod:`.nomis`,
  :mod:`.statxplore`, :mod:`.iod`;
* :mod:`.resolve`: how the build finds each raw file (the cache first, then ``../shared/data/raw``);
* :mod:`.cli`: the command line.

Nothing here runs unless a user asks for a refresh: the app and the build never touch the network.
"""

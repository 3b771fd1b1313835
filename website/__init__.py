"""The public website (公示网站): the directory of addresses, the notices, their Atom feeds and a map,
rendered on the server in Chinese first with English beside, readable without JavaScript."""

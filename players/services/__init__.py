"""Everything that changes games, keys, players and aliases: one module per sub-domain, one
function per use case (docs/architecture.md). Callers import the module they need:
`from players.services import keys, identity, live_config, relationships, auth, verification`."""

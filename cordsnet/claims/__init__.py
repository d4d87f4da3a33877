"""The replication scorecard (claims C1-C11): :mod:`cordsnet.claims.verdicts` holds the verdict vocabulary and the
rules that turn numbers into verdicts; :mod:`cordsnet.claims.analysis` reads the producers' result files and writes
the scorecard."""

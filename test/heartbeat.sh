#!/usr/bin/env bash
# heartbeat.sh LABEL COMMAND [ARG...] runs COMMAND and, while it runs, says
# every 20 seconds that it still does. make test runs its long steps through
# it, so that a step that prints nothing for a while (the first build on a
# machine compiling every package and sqlite's C code with -race, or linking
# the test binaries) never looks hung. COMMAND's output and exit status are
# its own.
label=$1
shift
start=$(date +%s)
(
	while sleep 20; do
		echo "  … $label: still running after $(($(date +%s) - start)) s"
	done
) &
beat=$!
"$@"
status=$?
kill "$beat" 2>/dev/null
wait "$beat" 2>/dev/null
exit "$status"

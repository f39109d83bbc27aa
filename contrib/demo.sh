#!/bin/sh
# make demo / make demo-stop: a sample workspace served by the fake API,
# mounted at $2 (default ./mnt).  No Instantly account is needed.
set -e
cd "$(dirname "$0")/.."
cmd=$1
mnt=${2:-mnt}
state=.demo
key=demo-key

stop() {
	if grep -qs " $(realpath -m "$mnt") " /proc/self/mountinfo; then
		fusermount3 -u "$mnt" 2>/dev/null || umount "$mnt" 2>/dev/null || true
	fi
	if [ -f "$state/fake.pid" ]; then
		kill "$(cat "$state/fake.pid")" 2>/dev/null || true
		rm -f "$state/fake.pid"
	fi
}

case "$cmd" in
start)
	stop
	mkdir -p "$state" "$mnt"
	# The fake starts afresh, so the mirror of its last run is dropped.
	rm -rf "$state/port" "$state/cache"
	python3 tests/fake/fake_instantly.py --demo --port 0 \
		--port-file "$state/port" --key "$key" >"$state/fake.log" 2>&1 &
	echo $! >"$state/fake.pid"
	i=0
	while [ ! -s "$state/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "demo: the fake API did not start; see $state/fake.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	port=$(cat "$state/port")
	INSTANTLY_API_KEY=$key ./build/instantlyfs \
		-o "api_url=http://127.0.0.1:$port,cache_dir=$PWD/$state/cache" "$mnt"
	cat <<TOUR
instantlyfs: a sample workspace is mounted at $mnt (fake API on port $port).

Try:
  ls $mnt                                    the whole workspace
  ls -l $mnt/campaigns/by-name/              campaigns by name
  cat $mnt/campaigns/by-name/*/status        what each campaign is doing
  ls $mnt/campaigns/by-status/active/
  jq -r .email $mnt/campaigns/*/leads/*.json | head
  grep -rl '"company_name": "Northwind' $mnt/campaigns/*/leads | head
  ls $mnt/campaigns/by-name/Q4*/leads/by-interest/Champion/  a custom interest label; mv to another status folder sets it
  cat $mnt/campaigns/by-name/*/analytics/daily.csv | head
  cat $mnt/campaigns/*/sequence/1/a.txt | head -8   the email copy: vim, diff and sed -i work on it
  cat $mnt/campaigns/by-name/*/subsequences/*/status   follow-up subsequences (cp -r one to duplicate it)
  ls $mnt/emails/ && cat $mnt/emails/unread_count
  ls $mnt/emails/maildir/cur | head -3       the inbox as a Maildir (mutt -f $mnt/emails/maildir)
  cat $mnt/emails/unread/*/body.txt | head -20
  cat $mnt/accounts/*/warmup
  cat $mnt/verify/someone@example.com      verifies an address
  grep . $mnt/webhooks/*/status              webhooks (events/ holds their deliveries)
  jq -r .role $mnt/members/*.json            who is in the team (echo '{"role":"editor"}' > members/new@x.com.json invites)
  head -3 $mnt/audit-log.jsonl | jq -c '{timestamp, user_name, audit_metadata}'   the audit log, newest first
  cat $mnt/.instantlyfs/stats                requests spent so far

When done: make demo-stop
TOUR
	;;
stop)
	stop
	echo "instantlyfs: demo stopped"
	;;
*)
	echo "usage: $0 start|stop [MOUNTPOINT]" >&2
	exit 2
	;;
esac

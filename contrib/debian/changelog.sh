#!/bin/sh
# changelog.sh VERSION: debian/changelog for "make deb", one entry for the
# version the Makefile builds, dated by the last commit (else now).
version=${1:?usage: changelog.sh VERSION}
date=$(git log -1 --format=%aD 2>/dev/null) || date=
[ -n "$date" ] || date=$(date -R)
cat <<END
instantlyfs ($version) unstable; urgency=medium

  * Version $version, built from the sources with "make deb".

 -- instantlyfs developers <instantlyfs@example.org>  $date
END

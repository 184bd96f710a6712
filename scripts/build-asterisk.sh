#!/usr/bin/env bash
# build-asterisk.sh - build and install an Asterisk 22 for ccaas's real-Asterisk
# tests and benchmarks (README: "Testing against a real Asterisk";
# docs/performance.md: "On a real Asterisk") from a source folder.
#
# usage:
#   scripts/build-asterisk.sh ASTERISK_SRC PREFIX [PJPROJECT]
#
#   ASTERISK_SRC  an Asterisk 22 source folder: a release tarball unpacked
#                 (https://downloads.asterisk.org/pub/telephony/asterisk/) or a
#                 checkout of the releases/22 branch
#   PREFIX        where to install (sbin, modules, etc/asterisk, var/...). The
#                 compiled-in paths point there, so nothing goes to /usr, /etc
#                 or /var unless PREFIX says so.
#   PJPROJECT     optional: the pjproject release that Asterisk bundles
#                 (third-party/versions.mak names it), as its release tarball
#                 pjproject-X.Y.tar.bz2 or as a git clone of pjproject with the
#                 tag X.Y. Without it, and without the tarball in the download
#                 cache, Asterisk's build downloads it (network needed).
#
# environment:
#   DOWNLOAD_CACHE  folder for third-party tarballs (default:
#                   ASTERISK_SRC/.download-cache)
#   INSTALL_DEPS=1  install missing Debian build dependencies with apt-get
#                   (needs root); otherwise the script lists them and stops
#   JOBS            parallel make jobs (default: the number of CPUs)
#
# What it builds: Asterisk with the bundled pjproject (the version and patches
# Asterisk tests with), Debian's jansson, res_srtp (libsrtp2), app_queue (the
# benchmark compares against it), no BUILD_NATIVE (the binary runs on any
# x86_64), and nothing that "make install" would download: no sound or
# music-on-hold packages, no binary codec modules (codec_opus & co.; a
# production install wants codec_opus, see docs/deploy.md). It installs no
# configuration (copy the repository's asterisk-etc/ into PREFIX/etc/asterisk)
# and no sounds (record or generate the few the app plays: docs/deploy.md).
set -euo pipefail

die() { echo "build-asterisk: $*" >&2; exit 1; }
say() { echo "==> $*"; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 ASTERISK_SRC PREFIX [PJPROJECT_TARBALL_OR_GIT_REPO]"
repo=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$1" && pwd) || die "no such folder: $1"
mkdir -p "$2"
prefix=$(cd "$2" && pwd)
pj=${3:-}
jobs=${JOBS:-$(nproc)}
cache=${DOWNLOAD_CACHE:-$src/.download-cache}

# --- 1. An Asterisk 22 source folder ------------------------------------------
[ -x "$src/configure" ] && [ -f "$src/third-party/versions.mak" ] ||
	die "$src does not look like an Asterisk source folder"
version=$(cat "$src/.version" 2>/dev/null || true)
case "$version" in
22.*) say "Asterisk $version in $src" ;;
*) die "expected Asterisk 22, found '${version:-no .version file}'" ;;
esac

# --- 2. Build dependencies (Debian 12 / Ubuntu 24.04 package names) -----------
# The toolchain and the tools Asterisk's build calls, then the libraries the
# modules ccaas needs are built against (libsrtp2-dev for res_srtp,
# libjansson-dev instead of the bundled jansson, libsystemd-dev so Asterisk
# can tell systemd it has started). configure insists on a download tool
# (curl) even when it downloads nothing.
deps=(build-essential pkg-config bzip2 patch xmlstarlet curl
	libedit-dev libncurses-dev libnewt-dev uuid-dev libxml2-dev libsqlite3-dev
	libssl-dev libsrtp2-dev libjansson-dev libcurl4-openssl-dev libsystemd-dev)
missing=()
for d in "${deps[@]}"; do
	dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "${INSTALL_DEPS:-}" = 1 ]; then
		say "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
	else
		die "missing build dependencies: apt-get install -y ${missing[*]}  (or run with INSTALL_DEPS=1)"
	fi
fi

# --- 3. The pjproject tarball ---------------------------------------------------
# Asterisk's build takes third-party/pjproject's tarball from the download
# cache when it is there and downloads it otherwise; either way it checks it
# against the MD5 sum in the Asterisk source
# (third-party/pjproject/pjproject-X.Y.tar.bz2.md5). The release tarball is
# exactly "git archive" of the release tag compressed with bzip2, so a git
# clone of pjproject reproduces it byte for byte, without network.
# shellcheck disable=SC1091
. "$src/third-party/versions.mak" # sets PJPROJECT_VERSION
tarball=pjproject-$PJPROJECT_VERSION.tar.bz2
md5file=$src/third-party/pjproject/$tarball.md5
[ -f "$md5file" ] || die "no checksum file $md5file in the Asterisk source"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
if [ -n "$pj" ]; then
	if [ -f "$pj" ]; then
		say "pjproject: copying $pj"
		cp "$pj" "$cache/$tarball"
	elif gitdir=$(git -C "$pj" rev-parse --absolute-git-dir 2>/dev/null); then
		git --git-dir="$gitdir" rev-parse -q --verify "refs/tags/$PJPROJECT_VERSION" >/dev/null ||
			die "the pjproject repository $pj has no tag $PJPROJECT_VERSION"
		say "pjproject: making $tarball from tag $PJPROJECT_VERSION of $pj"
		git --git-dir="$gitdir" archive --format=tar --prefix="pjproject-$PJPROJECT_VERSION/" "$PJPROJECT_VERSION" |
			bzip2 -9 >"$cache/$tarball.tmp"
		mv "$cache/$tarball.tmp" "$cache/$tarball"
	else
		die "$pj is neither a tarball nor a git repository of pjproject (an unpacked folder cannot be checked against Asterisk's checksum)"
	fi
fi
if [ -f "$cache/$tarball" ]; then
	want=$(cut -d' ' -f1 "$md5file")
	have=$(md5sum "$cache/$tarball" | cut -d' ' -f1)
	[ "$want" = "$have" ] || die "$cache/$tarball has MD5 $have, Asterisk expects $want (wrong version, or not the release tarball)"
	say "pjproject $PJPROJECT_VERSION: checksum matches Asterisk's ($want)"
else
	say "pjproject $PJPROJECT_VERSION: not in $cache; Asterisk's build will download it"
fi

# --- 4. Configure ---------------------------------------------------------------
# --with-pjproject-bundled   pjproject from the tarball above, with Asterisk's
#                            patches, linked into libasteriskpj
# --with-jansson-bundled=no  Debian's libjansson
# --with-download-cache      where the build looks for third-party tarballs
#                            (and puts downloads) before the network
# libjwt is left to the system: Debian 12's is older than Asterisk wants, so
# res_stir_shaken is simply not built (ccaas does not use it).
cd "$src"
if [ -f makeopts ]; then
	say "cleaning an earlier build (make distclean)"
	make distclean >/dev/null
fi
say "configure --prefix=$prefix"
./configure --prefix="$prefix" \
	--with-pjproject-bundled \
	--with-jansson-bundled=no \
	--with-download-cache="$cache"

# --- 5. Module selection (menuselect without the menu) --------------------------
# The defaults, less everything "make install" would download (sound and
# music-on-hold packages, Digium's binary codecs) and BUILD_NATIVE
# (-march=native would tie the binary to this CPU).
make menuselect.makeopts
menuselect/menuselect \
	--disable BUILD_NATIVE \
	--disable-category MENUSELECT_CORE_SOUNDS \
	--disable-category MENUSELECT_MOH \
	--disable-category MENUSELECT_EXTRA_SOUNDS \
	--disable codec_opus --disable codec_silk --disable codec_siren7 \
	--disable codec_siren14 --disable codec_g729a --disable res_digium_phone \
	menuselect.makeopts

# Every module asterisk-etc/modules.conf requires, and app_queue for the
# benchmark, must be selected: a module whose library was missing at
# configure time is listed in MENUSELECT_DEPSFAILED and would silently be
# left out of the build.
modules_conf=$repo/asterisk-etc/modules.conf
[ -f "$modules_conf" ] || die "no $modules_conf (run the script from a checkout of ccaas)"
mapfile -t required < <(sed -n 's/^require *= *\([a-z0-9_]*\)\.so.*/\1/p' "$modules_conf")
required+=(app_queue)
[ ${#required[@]} -gt 5 ] || die "found no 'require' lines in $modules_conf"
disabled=$(grep -E '^MENUSELECT_[A-Z_]+=' menuselect.makeopts |
	grep -vE '^MENUSELECT_(CFLAGS|CORE_SOUNDS|MOH|EXTRA_SOUNDS|BUILD_DEPS|DEPSFAILED)=' | cut -d= -f2-)
failed=$(grep -E '^MENUSELECT_DEPSFAILED=' menuselect.makeopts | sed 's/.*=//' || true)
for m in "${required[@]}"; do
	if grep -qw -- "$m" <<<"$disabled $failed"; then
		die "required module $m is not selected (a library missing at configure time? see configure's output)"
	fi
done
grep -qw BUILD_NATIVE <(grep '^MENUSELECT_CFLAGS=' menuselect.makeopts) && die "BUILD_NATIVE is still on"
for c in CORE_SOUNDS MOH EXTRA_SOUNDS; do
	[ -z "$(grep "^MENUSELECT_$c=" menuselect.makeopts | cut -d= -f2- | tr -d ' ')" ] ||
		die "a sound package is still selected in MENUSELECT_$c (it would be downloaded)"
done
say "menuselect: no downloads, BUILD_NATIVE off, the ${#required[@]} required modules selected"

# --- 6. Build and install ---------------------------------------------------------
# No "make samples": the configuration comes from the repository (asterisk-etc/).
say "make -j$jobs"
make -j"$jobs"
say "make install"
make install

# The binary finds libasteriskpj and libasteriskssl in PREFIX/lib through its
# RUNPATH; refresh the linker cache only for a system-wide prefix.
case "$prefix" in /usr | /usr/local) ldconfig ;; esac

"$prefix/sbin/asterisk" -V
say "installed into $prefix:"
echo "    binary        $prefix/sbin/asterisk"
echo "    modules       $prefix/lib/asterisk/modules ($(find "$prefix/lib/asterisk/modules" -name '*.so' | wc -l) files)"
echo "    configuration $prefix/etc/asterisk (empty: copy asterisk-etc/*.conf there)"
echo "    sounds, moh   $prefix/var/lib/asterisk/sounds/en, $prefix/var/lib/asterisk/moh (empty: nothing was downloaded)"

#!/usr/bin/env bash
# Build or verify the guest ELF images shipped under resources/guest/.
#
#   scripts/guests.sh build   rebuild every guest ELF in place from its sources
#   scripts/guests.sh check   rebuild into a temporary directory and compare
#                             byte-for-byte with the ELFs in the tree
#
# Exit status: 0 ok, 1 check found differences (or the build failed),
#              2 usage error, 3 cross compiler not installed.
# Override the toolchain prefix with CROSS=... (default riscv64-unknown-elf-).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
guest="$root/resources/guest"
cross=${CROSS:-riscv64-unknown-elf-}

usage() {
    echo "usage: $0 build|check" >&2
    exit 2
}

need_compiler() {
    if ! command -v "${cross}gcc" >/dev/null 2>&1; then
        echo "guests: ${cross}gcc not found; install the RISC-V bare-metal toolchain" >&2
        echo "guests: (Debian/Ubuntu: apt-get install gcc-riscv64-unknown-elf)" >&2
        exit 3
    fi
    if ! command -v make >/dev/null 2>&1; then
        echo "guests: make not found" >&2
        exit 3
    fi
}

[ $# -eq 1 ] || usage

case "$1" in
build)
    need_compiler
    make -B -C "$guest" --no-print-directory CROSS="$cross" all
    n=$(make -C "$guest" --no-print-directory -s list | wc -l)
    echo "guests: built $n ELF files"
    ;;
check)
    need_compiler
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/guests-check.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    if ! make -C "$guest" --no-print-directory -s CROSS="$cross" OUT="$tmp" all >"$tmp/build.log" 2>&1; then
        cat "$tmp/build.log" >&2
        echo "guests: build failed" >&2
        exit 1
    fi
    mapfile -t elfs < <(make -C "$guest" --no-print-directory -s list)
    bad=0
    for rel in "${elfs[@]}"; do
        if [ ! -f "$guest/$rel" ]; then
            echo "guests: MISSING resources/guest/$rel (not in the tree)"
            bad=$((bad + 1))
        elif ! cmp -s "$tmp/$rel" "$guest/$rel"; then
            echo "guests: DIFFERS resources/guest/$rel"
            bad=$((bad + 1))
        fi
    done
    # ELF files in the tree that no source builds are stale.
    while IFS= read -r f; do
        rel=${f#"$guest"/}
        known=0
        for e in "${elfs[@]}"; do [ "$e" = "$rel" ] && known=1 && break; done
        if [ $known -eq 0 ]; then
            echo "guests: STALE resources/guest/$rel (no source builds it)"
            bad=$((bad + 1))
        fi
    done < <(find "$guest" -name '*.elf' -type f | sort)
    if [ $bad -ne 0 ]; then
        echo "guests: $bad problem(s); run scripts/guests.sh build" >&2
        exit 1
    fi
    echo "guests: ${#elfs[@]} ELF files match their sources"
    ;;
*)
    usage
    ;;
esac

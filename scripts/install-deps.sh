#!/usr/bin/env bash
# Installs the Debian packages cfqsim needs to build, test and plot.
# blktrace provides blkparse, which reads the <dev>.blktrace.0 files of --trace.
# fio (and its example job files) is the reference tests/test_fio.c checks
# job-file reading against.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libglib2.0-dev libgsl-dev libyaml-dev
      libjson-glib-dev gnuplot-nox parallel blktrace fio
      fio-examples)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

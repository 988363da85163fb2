#!/usr/bin/env bash
# Debian packages the reports and tests need: headless Chromium (PDF printing, offline-page tests) and
# poppler-utils (pdftotext, pdffonts, pdftoppm). Installed only when missing; needs root or sudo.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
echo "安装系统软件包：${need[*]}（Debian apt-get）"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "错误：需要 root 权限安装 ${need[*]}，请以管理员身份运行：apt-get install -y ${need[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"

# shellcheck shell=bash
# S3 for the stack: s3proxy's standalone jar (Maven Central) with its
# filesystem backend. It needs only a JRE >= 17, which the Java service needs
# anyway; MinIO would be a second large Go build on every cold cache.

: "${SIM_JAVA:=java}"

s3_ready() {
  # Any HTTP answer (403 for an anonymous request) means it is serving.
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$SIM_S3_PORT/")"
  [[ $code != 000 ]]
}

# Credentials are generated once per state dir and kept, so restarting the
# stack does not invalidate settings a test or service already loaded.
ensure_s3_config() {
  local props="$SIM_STATE_DIR/s3proxy.properties" key secret
  mkdir -p "$SIM_STATE_DIR/s3/$SIM_S3_BUCKET"
  if [[ ! -f $SIM_STATE_DIR/s3.env ]]; then
    key="SIM$(openssl rand -hex 8 | tr '[:lower:]' '[:upper:]')"
    secret="$(openssl rand -hex 20)"
    cat >"$SIM_STATE_DIR/s3.env" <<ENV
S3_BUCKET=$SIM_S3_BUCKET
S3_ENDPOINT_URL=http://127.0.0.1:$SIM_S3_PORT
S3_PATH_STYLE=true
AWS_ACCESS_KEY_ID=$key
AWS_SECRET_ACCESS_KEY=$secret
AWS_REGION=$SIM_S3_REGION
ENV
    chmod 600 "$SIM_STATE_DIR/s3.env"
  fi
  # shellcheck disable=SC1091
  key="$(. "$SIM_STATE_DIR/s3.env" && echo "$AWS_ACCESS_KEY_ID")"
  # shellcheck disable=SC1091
  secret="$(. "$SIM_STATE_DIR/s3.env" && echo "$AWS_SECRET_ACCESS_KEY")"
  cat >"$props" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$SIM_S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$key
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$SIM_STATE_DIR/s3
PROPS
  chmod 600 "$props"
}

# The Secret job pods reference with secretKeyRef (docs/executor-contract.md).
ensure_s3_secret() {
  # shellcheck disable=SC1091
  (
    . "$SIM_STATE_DIR/s3.env"
    kctl -n "$SIM_NAMESPACE" create secret generic notebook-jobs-s3 \
      --from-literal=AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
      --from-literal=AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
      --dry-run=client -o yaml | kctl apply -f - >/dev/null
  )
}

start_s3() {
  command -v "$SIM_JAVA" >/dev/null || die "a Java >= 17 runtime is required for s3proxy (set SIM_JAVA)"
  ensure_s3_config
  # With the filesystem backend a bucket is a directory, created above.
  start_bg s3proxy "$SIM_JAVA" -Xmx256m -jar "$SIM_S3PROXY_JAR" --properties "$SIM_STATE_DIR/s3proxy.properties"
  wait_for s3proxy 60 "$LOG_DIR/s3proxy.log" s3_ready
  ensure_s3_secret
}

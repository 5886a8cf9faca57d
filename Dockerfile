# The Warden image that compose.yaml builds: `warden up` on Python 3.11, llama.cpp compiled for a portable
# x86-64 target (AVX2; a native build on a CPU with AMX can crash where the kernel withholds AMX state).
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*

ENV TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    HF_HUB_OFFLINE=1 \
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"

WORKDIR /app
COPY pyproject.toml README.md ./
COPY warden ./warden
COPY app ./app
COPY agents ./agents
COPY graphs ./graphs
COPY tools ./tools
COPY guardrails ./guardrails
COPY serving ./serving
COPY evals ./evals
RUN pip install --no-cache-dir .

# Secrets arrive as files (compose `secrets:`, mounted under /run/secrets); the entrypoint turns each one
# named WARDEN_<NAME> into that environment variable for this process only, so compose.yaml holds no secret
# and each service gets exactly the secrets it mounts.
RUN printf '%s\n' '#!/bin/sh' \
      'for f in /run/secrets/WARDEN_*; do [ -f "$f" ] && export "${f##*/}=$(cat "$f")"; done' \
      'exec "$@"' > /usr/local/bin/warden-entrypoint \
 && chmod 755 /usr/local/bin/warden-entrypoint

RUN useradd --create-home warden && mkdir -p /app/.warden && chown warden /app/.warden
USER warden
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/warden-entrypoint"]
CMD ["warden", "up", "--port", "8080"]

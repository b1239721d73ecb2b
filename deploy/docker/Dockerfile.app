# The Python 3.11 image (brightcart/assistant-app): the action server
# (`python -m rasa_sdk --actions actions --port 5055`), the web app (`python -m web`) and the
# command-line jobs (`python -m seed load`, `python -m jobs.accounts`). Build from the
# repository root after `make setup`, which bundles web/build/, writes the Q8_0 GGUF in
# models/smollm2/ and the ONNX exports in models/minilm-onnx/ and models/emotion-onnx/
# (all built, never committed; without the exports the action server falls back to torch):
#   docker build -f deploy/docker/Dockerfile.app -t brightcart/assistant-app:latest .
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp

WORKDIR /app
COPY requirements.txt ./
# torch first, from the CPU wheels: nothing in requirements.txt then pulls a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install -r requirements.txt \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /tmp app

COPY escalation.yml ./
COPY actions/ actions/
COPY rasa_sdk_plugins/ rasa_sdk_plugins/
COPY web/ web/
COPY jobs/ jobs/
COPY seed/ seed/
COPY models/emotion/ models/emotion/
COPY models/emotion-onnx/ models/emotion-onnx/
COPY models/minilm-onnx/ models/minilm-onnx/
COPY models/smollm2/SmolLM2-135M-Instruct.Q8_0.gguf models/smollm2/

# Runs read-only (HOME and model caches go to /tmp).
USER 10001:10001
EXPOSE 5055 8080
CMD ["python", "-m", "web"]

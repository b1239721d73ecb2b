"""Text generation behind one interface.

Backends: the embedded SmolLM2 (llama.cpp), a local Hugging Face model
(transformers), or an OpenAI-compatible server.
"""

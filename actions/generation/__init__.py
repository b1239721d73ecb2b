"""Text generation behind one interface: embedded SmolLM2, a local Hugging Face model, or an OpenAI-compatible server."""

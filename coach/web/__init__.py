"""The web service: a FastAPI app with the REST API and the Gradio UI mounted at /."""

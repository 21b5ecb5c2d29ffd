"""The model bridge: the Inspect model of the `memory` role on a local OpenAI-compatible endpoint.

Memory systems written against the OpenAI API (mem0, LangMem, A-MEM, ...) are pointed at
`session.base_url` with `session.api_key`; their chat calls run through Inspect (any provider, the
offline gguf model included) and their tokens land in the sample's role usage; embeddings come from a
local embedder (MiniLM of the dense extra, or a deterministic hashing embedder). See server.py for the
protocol and run.py for the lifecycle.

    async with bridge_session(embedder="auto") as session:
        client = OpenAI(base_url=session.base_url, api_key=session.api_key)
"""

from memcurve.evals.bridge.embedders import EMBEDDER_NAMES, HashingEmbedder, get_embedder, resolve_embedder_name
from memcurve.evals.bridge.run import BridgeLink, bridge_session, close_run_bridge, log_usage, memory_model, run_bridge
from memcurve.evals.bridge.server import BridgeSession, BridgeUsage, ModelBridge

__all__ = ["EMBEDDER_NAMES", "BridgeLink", "BridgeSession", "BridgeUsage", "HashingEmbedder", "ModelBridge", "bridge_session",
           "close_run_bridge", "get_embedder", "log_usage", "memory_model", "resolve_embedder_name", "run_bridge"]

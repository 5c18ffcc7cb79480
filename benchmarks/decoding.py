"""Generation speed with and without the KV cache (issue 17): tokens per second of one model,
chapter 9's TinyGPT shape (2 blocks, 4 heads, d_model 64, untrained: speed does not depend on the
weights), continuing a context of 256, 1024 and 4096 tokens, on one CPU thread.

Run from the repository root:  .venv/bin/python benchmarks/decoding.py [--tokens 32]
Prints, per context, tokens per second with the cache (one `step` per token) and without it (a
forward pass over the whole sequence per token), the ratio, and checks in the same run that both
ways produce the same tokens (greedy decoding) and the same logits (float64).
"""

from __future__ import annotations

import argparse
import time

import torch

from qkv_course import decoder as dc


def tokens_per_second(model: dc.TinyGPT, context: int, tokens: int, use_cache: bool) -> tuple[float, list[int]]:
    """Greedy decoding of ``tokens`` new tokens after a context of ``context`` token ids."""
    g = torch.Generator().manual_seed(context)
    prompt = torch.randint(0, model.c.vocab_size, (context,), generator=g)
    with torch.no_grad():
        cache = model.new_cache()
        if use_cache:                                 # reading the prompt is not timed
            for t in prompt.tolist():
                logits = model.step(torch.tensor([t]), cache)
        ids = prompt.tolist()
        start = time.perf_counter()
        for _ in range(tokens):
            if not use_cache:
                logits = model(torch.tensor([ids]))[:, -1]
            nxt = int(logits[0].argmax())
            ids.append(nxt)
            if use_cache:
                logits = model.step(torch.tensor([nxt]), cache)
        seconds = time.perf_counter() - start
    return tokens / seconds, ids[context:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=32, help="new tokens per measurement")
    parser.add_argument("--contexts", type=int, nargs="+", default=[256, 1024, 4096])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    longest = max(args.contexts) + args.tokens
    model = dc.TinyGPT(dc.Config(vocab_size=83, max_len=longest)).eval()
    # the same model in float64: one step against the full pass, to rounding
    m64 = dc.TinyGPT(dc.Config(vocab_size=83, max_len=longest)).double().eval()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    ids = torch.randint(0, 83, (300,))
    with torch.no_grad():
        full = m64(ids[None])[0]
        cache = m64.new_cache()
        steps = torch.stack([m64.step(ids[i:i + 1], cache)[0] for i in range(len(ids))])
    print(f"cached vs full logits over 300 steps (float64): largest difference {(steps - full).abs().max():.1e}")
    print(f"{'context':>8s} {'with cache':>12s} {'without':>12s} {'ratio':>7s}  same tokens")
    for context in args.contexts:
        fast, a = tokens_per_second(model, context, args.tokens, use_cache=True)
        slow, b = tokens_per_second(model, context, args.tokens, use_cache=False)
        print(f"{context:8d} {fast:9.0f} t/s {slow:9.1f} t/s {fast / slow:6.1f}x  {a == b}")
        if a != b:
            print("  the two ways produced different tokens")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

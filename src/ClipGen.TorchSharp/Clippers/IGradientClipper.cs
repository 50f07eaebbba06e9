using System.Collections.Generic;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// A gradient clipping strategy, possibly stateful (adaptive thresholds), called once per optimizer step after
/// <c>backward()</c> and before <c>step()</c>. When <see cref="ClipResult.SkipStep"/> is true the caller must not
/// call <c>optimizer.step()</c>.
/// </summary>
public interface IGradientClipper
{
    /// <summary>Clips the gradients of <paramref name="parameters"/> in place and says what it did.</summary>
    /// <param name="parameters">The tensors whose gradients are clipped (null gradients are skipped).</param>
    /// <returns>The pre-clip total norm, the coefficient applied, and whether to skip the step.</returns>
    ClipResult Clip(IEnumerable<Tensor> parameters);
}

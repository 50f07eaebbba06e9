using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Gradient accumulation over <see cref="Steps"/> micro-batches with one clip per optimizer step, on the
/// accumulated gradients: each loss is back-propagated as <c>loss / Steps</c> (so the accumulated gradient is
/// the mean over micro-batches), and every <see cref="Steps"/>-th call is the boundary where the caller clips and
/// steps — or <see cref="Step"/> does it all.
/// </summary>
/// <example>
/// <code>
/// var acc = new GradientAccumulator(4);
/// foreach (var (x, y) in batches)
/// {
///     if (acc.Backward(loss_fn(model.call(x), y)))
///     {
///         var r = GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, NonFinitePolicy.SkipStep);
///         if (!r.SkipStep) optimizer.step();
///         optimizer.zero_grad();
///     }
/// }
/// </code>
/// </example>
public sealed class GradientAccumulator
{
    /// <summary>Creates the accumulator.</summary>
    /// <param name="steps">Micro-batches per optimizer step; ≥ 1 (1 = no accumulation).</param>
    public GradientAccumulator(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be >= 1 (got {steps}).");
        Steps = steps;
    }

    /// <summary>Micro-batches per optimizer step.</summary>
    public int Steps { get; }

    /// <summary>Micro-batches back-propagated since the last boundary (0 … Steps − 1).</summary>
    public int Pending { get; private set; }

    /// <summary>
    /// Back-propagates <c>loss / Steps</c> (accumulating into <c>.grad</c>) and says whether this was the
    /// <see cref="Steps"/>-th micro-batch, i.e. whether to clip, step and zero the gradients now.
    /// </summary>
    /// <param name="loss">The micro-batch loss (a scalar).</param>
    /// <returns>True at an optimizer-step boundary.</returns>
    public bool Backward(Tensor loss)
    {
        if (loss is null) throw new ArgumentNullException(nameof(loss));
        using (var scope = NewDisposeScope())
        {
            Tensor scaled = Steps == 1 ? loss : loss / Steps;
            scaled.backward();
        }

        Pending++;
        if (Pending < Steps) return false;
        Pending = 0;
        return true;
    }

    /// <summary>
    /// One micro-batch of a full train step: <see cref="Backward"/>; at the boundary, <c>clipper.Clip(parameters)</c>
    /// once on the accumulated gradients, <c>optimizer.step()</c> unless <see cref="ClipResult.SkipStep"/>, then
    /// <c>optimizer.zero_grad()</c> (always, so a skipped step's gradients are discarded).
    /// </summary>
    /// <param name="loss">The micro-batch loss (a scalar).</param>
    /// <param name="parameters">The parameters being trained.</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="clipper">How to clip (e.g. <see cref="NormClipper"/>, <see cref="AutoClipper"/>, <see cref="ZClipper"/>).</param>
    /// <returns>
    /// The loss (unscaled) and, at a boundary, the pre-clip norm, whether it clipped and whether the step was
    /// skipped; between boundaries <see cref="TrainStepResult.Accumulating"/> is true and the norm is NaN.
    /// </returns>
    public TrainStepResult Step(Tensor loss, IEnumerable<Tensor> parameters, optim.Optimizer optimizer, IGradientClipper clipper)
    {
        if (parameters is null) throw new ArgumentNullException(nameof(parameters));
        if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
        if (clipper is null) throw new ArgumentNullException(nameof(clipper));
        if (loss is null) throw new ArgumentNullException(nameof(loss));
        double lossValue;
        using (var scope = NewDisposeScope()) lossValue = loss.detach().to_type(ScalarType.Float64).item<double>();
        if (!Backward(loss)) return new TrainStepResult(lossValue, double.NaN, false, false, Accumulating: true);
        ClipResult r = clipper.Clip(parameters);
        if (!r.SkipStep) optimizer.step();
        optimizer.zero_grad();
        return new TrainStepResult(lossValue, r.TotalNorm, r.Clipped, r.SkipStep);
    }
}

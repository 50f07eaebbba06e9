using System;

namespace ClipGen;

/// <summary>
/// Base of the attributes that ask the ClipGen source generator to write the body of a
/// <c>partial</c> train-step method: <c>zero_grad</c> → forward and loss → <c>backward</c> → clip →
/// <c>step</c>, inside a <c>DisposeScope</c>.
/// </summary>
/// <remarks>
/// The model, optimizer and loss are found among the containing type's fields and properties (base
/// types included) by their TorchSharp types when that is unambiguous; name them with
/// <see cref="Model"/>, <see cref="Optimizer"/> and <see cref="Loss"/> otherwise.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public abstract class TrainStepAttribute : Attribute
{
    /// <summary>Name of the field or property holding the <c>torch.nn.Module</c> whose parameters are clipped.</summary>
    public string? Model { get; set; }

    /// <summary>Name of the field or property holding the <c>torch.optim.Optimizer</c>.</summary>
    public string? Optimizer { get; set; }

    /// <summary>
    /// Name of the loss: a field or property of a TorchSharp loss type (called as
    /// <c>criterion.call(model.call(input), target)</c>), or a method returning the loss
    /// <c>Tensor</c> from the train step's parameters.
    /// </summary>
    public string? Loss { get; set; }

    /// <summary>What to do when the gradient norm is NaN or infinite. Default: <see cref="NonFinitePolicy.Propagate"/> (PyTorch).</summary>
    public NonFinitePolicy NonFinite { get; set; } = NonFinitePolicy.Propagate;

    /// <summary>
    /// Gradient accumulation: the loss is scaled by 1/k and clip, <c>step()</c> and <c>zero_grad()</c>
    /// happen on every k-th call only. Must be at least 1 (the default: step on every call).
    /// </summary>
    public int AccumulationSteps { get; set; } = 1;

    /// <summary>
    /// Name of a field or property holding a <c>torch.optim.lr_scheduler.LRScheduler</c>: the step calls its
    /// <c>step()</c> right after each <c>optimizer.step()</c>, so once per <see cref="AccumulationSteps"/> calls
    /// and never when the optimizer step is skipped (<see cref="NonFinitePolicy.SkipStep"/>). Null (the default):
    /// no scheduler is stepped. Never found by type, so a scheduler you step yourself is not stepped twice.
    /// </summary>
    public string? Scheduler { get; set; }

    /// <summary>
    /// Name of a field or property holding a <c>ClipGen.GradNormMonitor</c>: the step records its pre- and
    /// post-clip norms into it once per optimizer step (not on accumulating calls), skipped steps included.
    /// Null (the default): nothing is recorded. Recording reads the norms to the host once per optimizer step.
    /// </summary>
    public string? Monitor { get; set; }
}

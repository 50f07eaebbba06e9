using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>One gradient-relevant call inside a control-flow block, in evaluation order.</summary>
/// <param name="Kind">What the call does to the gradients.</param>
/// <param name="Invocation">The call (a control-flow-graph operation: use its <c>Syntax</c> for locations).</param>
/// <param name="Optimizer">Index into <see cref="TrainingFlow.Optimizers"/> for step/zero_grad; -1 otherwise.</param>
/// <param name="ZeroGrad">Index among the zero_grad calls of the flow (optimizer's or module's); -1 otherwise.</param>
internal readonly record struct TrainingEvent(TrainingCallKind Kind, IInvocationOperation Invocation, int Optimizer, int ZeroGrad);

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>One gradient-relevant call inside a control-flow block, in evaluation order.</summary>
/// <param name="Kind">What the call does to the gradients; None for a call that did not bind (see <paramref name="Maybe"/>).</param>
/// <param name="Call">The call (a control-flow-graph operation: use its <c>Syntax</c> for locations): an
/// <see cref="IInvocationOperation"/> unless the event is a maybe.</param>
/// <param name="Optimizer">Index into <see cref="TrainingFlow.Optimizers"/> for step/zero_grad; -1 otherwise.</param>
/// <param name="ZeroGrad">Index among the zero_grad calls of the flow (optimizer's or module's); -1 otherwise.</param>
/// <param name="Maybe">What a call that did not bind could be (silent in doubt).</param>
internal readonly record struct TrainingEvent(TrainingCallKind Kind, IOperation Call, int Optimizer, int ZeroGrad, UnboundCallKind Maybe = UnboundCallKind.None);

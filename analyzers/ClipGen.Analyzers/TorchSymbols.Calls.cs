using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers;

/// <summary>What a call does to the gradients of a training loop.</summary>
internal enum TrainingCallKind
{
    None,
    /// <summary><c>Tensor.backward(…)</c> or <c>torch.autograd.backward(…)</c>: accumulates into <c>.grad</c>.</summary>
    Backward,
    /// <summary><c>Optimizer.step()</c> (or an override) without a closure: consumes <c>.grad</c>.</summary>
    Step,
    /// <summary><c>Optimizer.step(closure)</c>: the closure runs its own zero_grad/backward; self-contained.</summary>
    ClosureStep,
    /// <summary><c>Optimizer.zero_grad()</c> (or an override): clears this optimizer's gradients.</summary>
    OptimizerZeroGrad,
    /// <summary><c>Module.zero_grad(…)</c>: clears the module's gradients, whichever optimizer owns them.</summary>
    ModuleZeroGrad,
    /// <summary>A gradient-clipping call (TorchSharp, ClipGen.GradClip, or its Module extensions).</summary>
    Clip,
}

/// <summary>The meaning of a constant clipping argument, for CG0006.</summary>
internal enum ClipArgumentKind
{
    None,
    MaxNorm,
    NormType,
    ClipValue,
}

internal sealed partial class TorchSymbols
{
    private static readonly ImmutableHashSet<string> GradClipClippingMethods = ImmutableHashSet.Create(
        "ClipGradNorm", "ClipGradValue", "ClipGradsWithNorm", "ClipGradNormPerTensor", "AdaptiveClipGrad");

    /// <summary>Every method name <see cref="Classify"/> can return a kind other than None for (keep in sync).</summary>
    private static readonly ImmutableHashSet<string> TrainingCallNames = GradClipClippingMethods.Union(new[]
    {
        "backward", "step", "zero_grad", "clip_grad_norm_", "clip_grad_value_", "Clip", "Step", "Backward",
    });

    /// <summary>
    /// Whether <paramref name="name"/> can name a call <see cref="Classify"/> recognizes: a necessary condition
    /// checked on syntax tokens before any binding (a call always spells its method's name).
    /// </summary>
    public static bool IsTrainingCallName(string name) => TrainingCallNames.Contains(name);

    /// <summary>Classifies a call by the symbol it binds to (never by name alone).</summary>
    public TrainingCallKind Classify(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod is not { } method)
        {
            return TrainingCallKind.None;
        }

        TrainingCallKind kind = ClassifyMethod(method);
        return kind == TrainingCallKind.Step && IsClosureStep(invocation) ? TrainingCallKind.ClosureStep : kind;
    }

    /// <summary>Classifies a method by its symbol; a step is <see cref="TrainingCallKind.Step"/> whatever its arguments.</summary>
    private TrainingCallKind ClassifyMethod(IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method;
        INamedTypeSymbol? containing = method.ContainingType?.OriginalDefinition;
        switch (method.Name)
        {
            case "backward":
                return Is(containing, Tensor) || Is(containing, Autograd) ? TrainingCallKind.Backward : TrainingCallKind.None;
            case "step" when OverridesMemberOf(method, Optimizer):
                return TrainingCallKind.Step;
            case "zero_grad" when OverridesMemberOf(method, Optimizer):
                return TrainingCallKind.OptimizerZeroGrad;
            case "zero_grad" when OverridesMemberOf(method, Module):
                return TrainingCallKind.ModuleZeroGrad;
            case "clip_grad_norm_" or "clip_grad_value_":
                return Is(containing, NnUtils) ? TrainingCallKind.Clip : TrainingCallKind.None;
            case "Clip" when ImplementsGradientClipperClip(method):
                return TrainingCallKind.Clip;
            case "Step" when Is(containing, GradientAccumulator):
                // Backward of loss / k, then at the boundary clip + step + zero_grad: as a whole it clips, and
                // its own step is unclipped only if the clipper does nothing (not ours to judge).
                return TrainingCallKind.Clip;
            case "Backward" when Is(containing, GradientAccumulator):
                return TrainingCallKind.Backward;
            default:
                return GradClipClippingMethods.Contains(method.Name)
                    && (Is(containing, GradClip) || Is(containing, GradClipModuleExtensions))
                    ? TrainingCallKind.Clip
                    : TrainingCallKind.None;
        }
    }

    /// <summary>
    /// <c>IGradientClipper.Clip</c> called through the interface, or the method of a class (ClipGen's
    /// <c>NormClipper</c>/<c>AutoClipper</c>/<c>ZClipper</c> or a user's) that implements it.
    /// </summary>
    private bool ImplementsGradientClipperClip(IMethodSymbol method)
    {
        if (GradientClipper is null || method.ContainingType is not { } type)
        {
            return false;
        }

        if (Is(type.OriginalDefinition, GradientClipper))
        {
            return true;
        }

        foreach (ISymbol member in GradientClipper.GetMembers("Clip"))
        {
            if (type.FindImplementationForInterfaceMember(member) is IMethodSymbol implementation
                && SymbolEqualityComparer.Default.Equals(implementation.OriginalDefinition, method.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The role of a clipping call's parameter (TorchSharp and GradClip spellings).</summary>
    public static ClipArgumentKind ClassifyClipParameter(IParameterSymbol? parameter) => parameter?.Name switch
    {
        "max_norm" or "maxNorm" => ClipArgumentKind.MaxNorm,
        "norm_type" or "normType" => ClipArgumentKind.NormType,
        "clip_value" or "clipValue" => ClipArgumentKind.ClipValue,
        _ => ClipArgumentKind.None,
    };

    /// <summary>Whether <paramref name="type"/> is a TorchSharp recurrent or attention module (LSTM, GRU, RNN, Transformer*, MultiheadAttention).</summary>
    public bool IsRecurrentOrAttention(ITypeSymbol? type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if ((t.Name is "LSTM" or "LSTMCell" or "GRU" or "GRUCell" or "RNN" or "RNNCell" or "MultiheadAttention"
                    || t.Name.StartsWith("Transformer", StringComparison.Ordinal))
                && t.ContainingNamespace?.ToDisplayString() == "TorchSharp.Modules")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a clipping method clips by total norm (<c>clip_grad_norm_</c>, <c>GradClip.ClipGradNorm</c>, <c>module.ClipGradNorm</c>).</summary>
    public static bool IsNormClip(IMethodSymbol method) => (method.ReducedFrom ?? method).Name is "clip_grad_norm_" or "ClipGradNorm";

    /// <summary><c>module.parameters(…)</c>: the parameters of a TorchSharp module.</summary>
    public bool IsModuleParameters(IInvocationOperation invocation) =>
        invocation.TargetMethod.Name == "parameters" && IsModule(invocation.Instance?.Type);

    /// <summary><c>module.call(…)</c>: the forward of a TorchSharp module (a model or a loss).</summary>
    public bool IsModuleCall(IInvocationOperation invocation) =>
        invocation.TargetMethod.Name == "call" && IsModule(invocation.TargetMethod.ContainingType);

    /// <summary>Whether <paramref name="type"/> is a TorchSharp module (a model).</summary>
    public bool IsModule(ITypeSymbol? type) => DerivesFrom(type, Module);

    /// <summary>Whether <paramref name="type"/> is a TorchSharp optimizer.</summary>
    public bool IsOptimizer(ITypeSymbol? type) => DerivesFrom(type, Optimizer);

    private bool IsClosureStep(IInvocationOperation invocation)
    {
        if (invocation.Instance?.Type is { } receiver && DerivesFrom(receiver, Lbfgs))
        {
            return true;
        }

        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.Explicit
                && !(argument.Value.ConstantValue.HasValue && argument.Value.ConstantValue.Value is null))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Is(INamedTypeSymbol? type, INamedTypeSymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    /// <summary>Whether <paramref name="method"/> is declared by <paramref name="baseType"/> or overrides a method declared there.</summary>
    private static bool OverridesMemberOf(IMethodSymbol method, INamedTypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (IMethodSymbol? m = method.OriginalDefinition; m is not null; m = m.OverriddenMethod?.OriginalDefinition)
        {
            if (SymbolEqualityComparer.Default.Equals(m.ContainingType?.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed partial class TorchSymbols
{
    /// <summary>Whether <paramref name="operation"/> reads or writes <c>Tensor.grad</c>.</summary>
    public bool IsGradProperty(IOperation? operation) =>
        operation is IPropertyReferenceOperation { Property.Name: "grad" } property
        && DerivesFrom(property.Property.ContainingType, Tensor);

    /// <summary>
    /// <c>GradientAccumulator.Step(…)</c>: besides clipping (its <see cref="TrainingCallKind"/>), it calls
    /// <c>optimizer.zero_grad()</c> at every boundary, so a loop calling it clears gradients.
    /// </summary>
    public bool IsAccumulatorStep(IInvocationOperation invocation) =>
        invocation.TargetMethod.Name == "Step" && Is(invocation.TargetMethod.ContainingType?.OriginalDefinition, GradientAccumulator);

    /// <summary>
    /// <c>p.grad.zero_()</c>, <c>p.grad.Dispose()</c> and their <c>?.</c> forms (whose receiver
    /// is <c>p.grad</c>, captured in a control-flow graph): the gradients are reset or gone.
    /// </summary>
    public bool IsHandWrittenGradClear(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod.Name is not ("zero_" or "Dispose") || !DerivesFrom(invocation.TargetMethod.ContainingType, Tensor))
        {
            return false;
        }

        IOperation? receiver = OperationWalk.WithoutConversions(invocation.Instance);
        return IsGradProperty(receiver)
            || (receiver is IFlowCaptureReferenceOperation or IConditionalAccessInstanceOperation
                && receiver.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Name.Identifier.ValueText: "grad" });
    }

    /// <summary>A loss computed: a TorchSharp loss module's forward, or a <c>torch.nn.functional</c> loss function.</summary>
    public bool IsLossCall(IInvocationOperation invocation)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is "call" or "forward" && (IsLoss(method.ContainingType) || IsLoss(OperationWalk.WithoutConversions(invocation.Instance)?.Type)))
        {
            return true;
        }

        return Is(method.ContainingType?.OriginalDefinition, NnFunctional)
            && (method.Name.EndsWith("_loss", StringComparison.Ordinal) || method.Name.Contains("cross_entropy") || method.Name == "kl_div");
    }

    /// <summary>
    /// A tensor handed to a method that is not TorchSharp's, the BCL's nor in source (or to a delegate): it may
    /// run a backward() of its own (an accelerator's <c>Backward(loss)</c>, a loss scaler).
    /// </summary>
    public bool MayBackpropElsewhere(IInvocationOperation invocation)
    {
        IMethodSymbol method = invocation.TargetMethod;
        bool known = method.MethodKind != MethodKind.DelegateInvoke
            && (!method.DeclaringSyntaxReferences.IsEmpty
                || SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, Tensor.ContainingAssembly)
                || method.ContainingNamespace?.ToDisplayString() is { } ns && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal)));
        return !known && invocation.Arguments.Any(a => DerivesFrom(a.Value.Type, Tensor) || DerivesFrom(OperationWalk.WithoutConversions(a.Value)?.Type, Tensor));
    }

    /// <summary><c>null</c> or <c>default</c>, through conversions.</summary>
    public static bool IsNullValue(IOperation value) =>
        OperationWalk.WithoutConversions(value) is { ConstantValue: { HasValue: true, Value: null } } or IDefaultValueOperation;

    /// <summary><c>p.grad.zero_()</c> (or <c>p.grad?.zero_()</c>): a hand-written gradient reset.</summary>
    public bool IsManualGradClear(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod.Name != "zero_" || !DerivesFrom(invocation.TargetMethod.ContainingType, Tensor))
        {
            return false;
        }

        IOperation? receiver = OperationWalk.WithoutConversions(invocation.Instance);
        return IsGradProperty(receiver) || receiver is IConditionalAccessInstanceOperation;
    }
}

internal sealed partial class TorchSymbols
{
    /// <summary>Whether <paramref name="type"/> is an <c>IEnumerable&lt;T&gt;</c> of tensors (parameters to clip).</summary>
    public bool DerivesFromEnumerableOfTensor(ITypeSymbol? type)
    {
        if (type is null)
        {
            return false;
        }

        IEnumerable<INamedTypeSymbol> candidates = type is INamedTypeSymbol named ? type.AllInterfaces.Prepend(named) : type.AllInterfaces;
        foreach (INamedTypeSymbol candidate in candidates)
        {
            if (candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
                && DerivesFrom(candidate.TypeArguments[0], Tensor))
            {
                return true;
            }
        }

        return false;
    }
}

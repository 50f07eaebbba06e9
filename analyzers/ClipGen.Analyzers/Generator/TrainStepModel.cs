namespace ClipGen.Analyzers.Generator;

/// <summary>Which <c>GradClip</c> function the generated step calls.</summary>
internal enum ClipKind
{
    Norm,
    Value,
    Adaptive,
}

/// <summary>What the generated step returns.</summary>
internal enum ReturnKind
{
    Void,
    Tensor,
    Single,
    Double,
    TrainStepResult,
}

/// <summary>How the loss is computed: a TorchSharp loss module applied to the model's output, or a user method.</summary>
internal enum LossKind
{
    Criterion,
    Method,
}

/// <summary>
/// Everything the emitter needs to write one train step, as strings and numbers only, so two runs over
/// unchanged code produce equal models and the incremental pipeline stops here.
/// </summary>
/// <param name="HintName">The generated file's name, unique per method (<c>{Type}.{Method}.g.cs</c>).</param>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Outermost first.</param>
/// <param name="Modifiers">The partial declaration's modifiers without <c>partial</c>, e.g. <c>public</c>.</param>
/// <param name="ReturnType">Fully qualified, as declared (nullable annotations kept).</param>
/// <param name="MethodName">Escaped if it is a keyword.</param>
/// <param name="ModelAccess">An expression for the model, e.g. <c>this.model</c>.</param>
/// <param name="OptimizerAccess">An expression for the optimizer.</param>
/// <param name="LossAccess">The loss module (<see cref="LossKind.Criterion"/>) or the loss method group (<see cref="LossKind.Method"/>).</param>
/// <param name="ClipArguments">The clipping thresholds as C# literals, in <c>GradClip</c>'s parameter order.</param>
/// <param name="SchedulerAccess">The LR scheduler stepped after each optimizer step, or null.</param>
/// <param name="MonitorAccess">The <c>GradNormMonitor</c> each optimizer step records into, or null.</param>
/// <param name="CounterField">The generated micro-batch counter field; null when <paramref name="AccumulationSteps"/> is 1.</param>
/// <param name="GradientsField">The generated <c>TrainStepGradients</c> field (flat gradient buffer); null for the plain path.</param>
/// <param name="ReservedNames">Names the generated locals must avoid (parameters, type parameters).</param>
internal sealed record TrainStepModel(
    string HintName,
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Modifiers,
    string ReturnType,
    ReturnKind ReturnKind,
    string MethodName,
    EquatableArray<ParameterModel> Parameters,
    bool IsStatic,
    string ModelAccess,
    string OptimizerAccess,
    LossKind LossKind,
    string LossAccess,
    string? SchedulerAccess,
    string? MonitorAccess,
    ClipKind ClipKind,
    EquatableArray<string> ClipArguments,
    string NonFinitePolicy,
    int AccumulationSteps,
    string? CounterField,
    string? GradientsField,
    EquatableArray<string> ReservedNames,
    string GeneratorVersion);

/// <summary>One enclosing type declaration, e.g. <c>record</c> <c>Trainer&lt;T&gt;</c>; <paramref name="IsUnsafe"/> when the generated part needs an unsafe context.</summary>
internal sealed record ContainingTypeModel(string Keyword, string NameWithTypeParameters, bool IsUnsafe = false);

/// <summary>One parameter of the train step, e.g. <c>in</c> <c>global::TorchSharp.torch.Tensor</c> <c>input</c>.</summary>
internal sealed record ParameterModel(string Modifier, string Type, string Name);

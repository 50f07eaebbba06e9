namespace ClipGen.Analyzers.Generator;

/// <summary>
/// A train step the generator cannot write because it is misused (CG1003–CG1005) but whose declaration
/// can still be completed: the signature as strings, and the diagnostic the usage analyzer reports for it.
/// </summary>
/// <remarks>
/// Emitting nothing would leave the partial method without an implementation (CS8795), a declaration
/// error after which the compiler runs no analyzer, so the user would never see the CG100x that says
/// what to fix. The stub's body throws, so it never runs silently even if the error is suppressed.
/// </remarks>
/// <param name="HintName">As for a generated step (<c>{Type}.{Method}.g.cs</c>).</param>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Outermost first.</param>
/// <param name="Modifiers">The partial declaration's modifiers without <c>partial</c>, e.g. <c>public static</c>.</param>
/// <param name="ReturnType">Fully qualified, as declared, with <c>ref</c>/<c>ref readonly</c> when it returns by reference.</param>
/// <param name="MethodName">Escaped if it is a keyword.</param>
/// <param name="DiagnosticId">The first diagnostic the analyzer reports for the method, e.g. <c>CG1003</c>.</param>
/// <param name="DiagnosticMessage">Its message, formatted with the invariant culture.</param>
internal sealed record TrainStepStubModel(
    string HintName,
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Modifiers,
    string ReturnType,
    string MethodName,
    EquatableArray<ParameterModel> Parameters,
    string DiagnosticId,
    string DiagnosticMessage,
    string GeneratorVersion);

/// <summary>
/// What the generator does for one attributed method: write a train step, or, when it is misused, a throwing stub
/// (CG1003–CG1005) or nothing but its own CG1001/CG1002 diagnostics (<paramref name="Diagnostics"/>).
/// </summary>
internal sealed record TrainStepGeneration(TrainStepModel? Step, TrainStepStubModel? Stub, EquatableArray<TrainStepDiagnosticModel> Diagnostics);

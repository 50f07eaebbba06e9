using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Collects the parser's findings. The generator only needs to know whether parsing failed (it then
/// emits nothing); the analyzer also wants the diagnostics, so they are built only when asked for.
/// </summary>
internal sealed class TrainStepDiagnostics
{
    private readonly List<Diagnostic>? _diagnostics;

    private TrainStepDiagnostics(List<Diagnostic>? diagnostics) => _diagnostics = diagnostics;

    /// <summary>For the generator: remember failure, build nothing.</summary>
    public static TrainStepDiagnostics Silent() => new(null);

    /// <summary>For the analyzer: build every diagnostic.</summary>
    public static TrainStepDiagnostics Collecting(List<Diagnostic> sink) => new(sink);

    public bool Failed { get; private set; }

    /// <summary>Whether the parser can stop at the first problem (nobody reads the rest).</summary>
    public bool CanStop => Failed && _diagnostics is null;

    public void Report(DiagnosticDescriptor descriptor, Location? location, params object?[] arguments)
    {
        Failed = true;
        _diagnostics?.Add(Diagnostic.Create(descriptor, location, arguments));
    }
}

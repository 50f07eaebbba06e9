using System.Globalization;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Collects the parser's findings. The generator only needs the first one (its id and message go into the
/// throwing stub it then emits); the analyzer wants every diagnostic, so the rest are built only when asked for.
/// </summary>
internal sealed class TrainStepDiagnostics
{
    private readonly List<Diagnostic>? _diagnostics;
    private readonly List<TrainStepDiagnosticModel>? _models;

    private TrainStepDiagnostics(List<Diagnostic>? diagnostics, List<TrainStepDiagnosticModel>? models)
    {
        _diagnostics = diagnostics;
        _models = models;
    }

    /// <summary>For the generator: remember the first finding, build nothing else.</summary>
    public static TrainStepDiagnostics Silent() => new(null, null);

    /// <summary>For the analyzer: build every diagnostic.</summary>
    public static TrainStepDiagnostics Collecting(List<Diagnostic> sink) => new(sink, null);

    /// <summary>For the generator when it reports diagnostics itself: every finding as values, no Location kept.</summary>
    public static TrainStepDiagnostics Recording(List<TrainStepDiagnosticModel> sink) => new(null, sink);

    public bool Failed => FirstId is not null;

    /// <summary>The id of the first diagnostic reported, or null.</summary>
    public string? FirstId { get; private set; }

    /// <summary>The message of the first diagnostic reported (invariant culture), or null.</summary>
    public string? FirstMessage { get; private set; }

    /// <summary>Whether the parser can stop at the first problem (nobody reads the rest).</summary>
    public bool CanStop => Failed && _diagnostics is null && _models is null;

    public void Report(DiagnosticDescriptor descriptor, Location? location, params object?[] arguments)
    {
        if (FirstId is null)
        {
            FirstId = descriptor.Id;
            FirstMessage = string.Format(CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), arguments);
        }

        _diagnostics?.Add(Diagnostic.Create(descriptor, location, arguments));
        _models?.Add(TrainStepDiagnosticModel.From(descriptor, location, arguments));
    }
}

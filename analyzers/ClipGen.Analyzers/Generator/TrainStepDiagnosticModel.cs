using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// A diagnostic the generator reports itself (CG1001, CG1002), held as values: a <see cref="Location"/> would keep its
/// syntax tree alive and make every pipeline run unequal to the last.
/// </summary>
/// <param name="Id">The descriptor's id.</param>
/// <param name="FilePath">The source file, as the compiler names it.</param>
/// <param name="Start">Where in the file (character offset).</param>
/// <param name="Length">How many characters.</param>
/// <param name="StartLine">0-based line of the start.</param>
/// <param name="StartColumn">0-based column of the start.</param>
/// <param name="EndLine">0-based line of the end.</param>
/// <param name="EndColumn">0-based column of the end.</param>
/// <param name="Arguments">The message arguments, formatted with the invariant culture.</param>
internal sealed record TrainStepDiagnosticModel(
    string Id, string? FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn, EquatableArray<string> Arguments)
{
    public static TrainStepDiagnosticModel From(DiagnosticDescriptor descriptor, Location? location, object?[] arguments)
    {
        FileLinePositionSpan? lines = location is { IsInSource: true } ? location.GetLineSpan() : null;
        TextSpan span = location?.SourceSpan ?? default;
        LinePositionSpan lineSpan = lines?.Span ?? default;
        return new TrainStepDiagnosticModel(
            descriptor.Id,
            lines?.Path,
            span.Start,
            span.Length,
            lineSpan.Start.Line,
            lineSpan.Start.Character,
            lineSpan.End.Line,
            lineSpan.End.Character,
            arguments.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? "").ToEquatableArray());
    }

    /// <summary>The diagnostic, for <c>SourceProductionContext.ReportDiagnostic</c>, at <paramref name="tree"/> when it is the file's current tree.</summary>
    public Diagnostic ToDiagnostic(DiagnosticDescriptor descriptor, SyntaxTree? tree)
    {
        var span = new TextSpan(Start, Length);
        Location location =
            FilePath is null ? Location.None :
            tree is not null && span.End <= tree.Length ? Location.Create(tree, span) :
            Location.Create(FilePath, span, new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
        return Diagnostic.Create(descriptor, location, Arguments.Select(a => (object?)a).ToArray());
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Analyzers.Rules;

/// <summary>What a rule may use besides the flow: the symbols, the compilation and a way to report.</summary>
internal sealed class RuleContext
{
    public RuleContext(TorchSymbols symbols, Compilation compilation, AnalyzerOptions options, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        Symbols = symbols;
        Compilation = compilation;
        Options = options;
        Report = report;
        CancellationToken = cancellationToken;
    }

    public TorchSymbols Symbols { get; }
    public Compilation Compilation { get; }
    public AnalyzerOptions Options { get; }
    public Action<Diagnostic> Report { get; }
    public CancellationToken CancellationToken { get; }
}

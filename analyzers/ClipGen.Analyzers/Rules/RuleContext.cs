using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Analyzers.Rules;

/// <summary>What a rule may use besides the flow: the symbols, the models' structure, the compilation, the options and a way to report.</summary>
internal sealed record RuleContext(
    TorchSymbols Symbols,
    ModelStructure Models,
    Compilation Compilation,
    AnalyzerOptions Options,
    Action<Diagnostic> Report);

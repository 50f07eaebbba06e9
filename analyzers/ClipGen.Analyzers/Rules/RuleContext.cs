using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Rules;

/// <summary>What a rule may use besides the flow: the symbols, the compilation and a way to report.</summary>
internal sealed record RuleContext(
    TorchSymbols Symbols,
    Compilation Compilation,
    Action<Diagnostic> Report);

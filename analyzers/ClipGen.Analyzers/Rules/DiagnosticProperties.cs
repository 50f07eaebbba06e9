namespace ClipGen.Analyzers.Rules;

/// <summary>Keys of <c>Diagnostic.Properties</c> shared by the rules and the code fixes.</summary>
internal static class DiagnosticProperties
{
    /// <summary>CG0001: source text of the parameters to clip (absent: no fix).</summary>
    public const string Parameters = "Parameters";

    /// <summary>CG0003: source text of the optimizer whose zero_grad() the fix inserts.</summary>
    public const string Optimizer = "Optimizer";

    /// <summary>CG0002: present when no automatic fix is correct (the message says what to do); the value says why.</summary>
    public const string NoFix = "NoFix";
}

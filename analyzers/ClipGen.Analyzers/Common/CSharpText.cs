using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;

namespace ClipGen.Analyzers;

/// <summary>How generated code spells identifiers and numbers; the code fixes use it too, so what they write matches.</summary>
internal static class CSharpText
{
    private static readonly char[] NonIntegerMarks = { '.', 'E', 'N' };

    /// <summary><paramref name="identifier"/>, with <c>@</c> when it is a keyword.</summary>
    public static string Identifier(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    /// <summary>A double as a C# literal that round-trips.</summary>
    public static string DoubleLiteral(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "double.PositiveInfinity";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(NonIntegerMarks) >= 0 ? text : text + ".0";
    }
}

using System.Text.RegularExpressions;

namespace ClipGen.Docs.Tests.Snippets;

/// <summary>How a snippet is compiled, from its first line (see docs/snippets.md).</summary>
internal enum SnippetKind
{
    /// <summary>No marker: a whole C# file.</summary>
    File,

    /// <summary><c>// inside a training method</c>: statements, compiled as a method body.</summary>
    Statements,

    /// <summary><c>// inside a trainer class</c>: members, compiled in a partial class with a model, optimizer and criterion.</summary>
    Members,

    /// <summary><c>// not compiled: reason</c>: listed in <see cref="DocSnippetTests.NotCompiled"/>.</summary>
    NotCompiled,
}

/// <summary>One fenced C# block of a Markdown file: where it is (repository-relative path, 1-based line of its first code line) and its text.</summary>
internal sealed partial record DocSnippet(string File, int Line, string Code)
{
    public const string StatementsMarker = "// inside a training method";
    public const string MembersMarker = "// inside a trainer class";
    public const string NotCompiledMarker = "// not compiled:";

    public SnippetKind Kind
    {
        get
        {
            string first = Code.Split('\n')[0].Trim();
            if (first.StartsWith(StatementsMarker, StringComparison.Ordinal)) return SnippetKind.Statements;
            if (first.StartsWith(MembersMarker, StringComparison.Ordinal)) return SnippetKind.Members;
            if (first.StartsWith(NotCompiledMarker, StringComparison.Ordinal)) return SnippetKind.NotCompiled;
            return SnippetKind.File;
        }
    }

    /// <summary>
    /// The diagnostics a snippet says it shows: a comment <c>// CGnnnn</c> (optionally followed by <c>:</c> and text)
    /// claims that the build of the snippet reports CGnnnn. Returned as (markdown line of the comment, ID).
    /// </summary>
    public IReadOnlyList<(int Line, string Id)> Claims()
    {
        var claims = new List<(int, string)>();
        string[] lines = Code.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            foreach (Match m in ClaimPattern().Matches(lines[i]))
                claims.Add((Line + i, m.Groups[1].Value));
        }

        return claims;
    }

    public override string ToString() => $"{File}:{Line}";

    /// <summary>Every ```csharp / ```cs / ```c# block of <paramref name="markdown"/>.</summary>
    public static IEnumerable<DocSnippet> Extract(string relativePath, string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!FencePattern().IsMatch(lines[i])) continue;
            int start = i + 1, end = start;
            while (end < lines.Length && !lines[end].TrimStart().StartsWith("```", StringComparison.Ordinal)) end++;
            yield return new DocSnippet(relativePath, start + 1, string.Join('\n', lines[start..end]));
            i = end;
        }
    }

    [GeneratedRegex(@"^\s*```\s*(csharp|cs|c#)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex FencePattern();

    [GeneratedRegex(@"//.*?\b(CG\d{4})\b")]
    private static partial Regex ClaimPattern();
}

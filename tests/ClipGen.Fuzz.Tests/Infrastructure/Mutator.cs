using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ClipGen.Fuzz.Tests.Infrastructure;

/// <summary>One mutated source and how it was made (enough to read the failure without replaying it).</summary>
public sealed record Variant(string Text, string How);

/// <summary>
/// Seeded source mutations of a parsed training-loop file. Variant i of a source is a pure function
/// of (seed, source, i): truncation after token i for the first <see cref="TruncationCount"/> indices,
/// then 1–3 random edits (delete/duplicate/swap statements, remove braces, wrong types, unresolved or
/// swapped TorchSharp members, bad constants, token noise, dropped modifiers and attributes).
/// </summary>
public sealed class Mutator
{
    private static readonly string[] WrongTypes = { "int", "string", "object", "dynamic", "Tensor", "Tensor?", "var", "torch.optim.Optimizer", "Module", "Stepper", "void", "Missing", "int[]", "List<Tensor>", "Func<Tensor>", "(int, Tensor)" };
    private static readonly string[] MemberNames = { "zero_grad", "step", "backward", "clip_grad_norm_", "clip_grad_value_", "parameters", "call", "Missing", "zero_grad_", "Step", "Backward", "item", "detach", "ClipGradNorm", "no_grad" };
    private static readonly string[] Literals = { "0", "-1.0", "0.0", "double.NaN", "double.PositiveInfinity", "-double.PositiveInfinity", "float.NaN", "1e308", "null", "\"x\"", "default", "nameof(x)", "int.MaxValue", "(1.0)", "-0.0", "true" };
    private static readonly string[] Noise = { "(", ")", "{", "}", ";", ",", "=>", "await ", "ref ", "?", "!", "partial ", "static ", "async ", "new ", "return ", "yield return ", "goto L; L:", "#if X\n", "#endif\n", "/*", "\"", "@", "$\"{", "=", ".", "::", "<", ">", "[", "]", "unsafe ", "checked(", "default(Tensor)", "throw null!;", "__arglist" };

    private readonly SyntaxTree tree;
    private readonly SourceText text;
    private readonly SyntaxToken[] tokens;
    private readonly StatementSyntax[] statements;
    private readonly SyntaxNode[] typeNodes;
    private readonly SimpleNameSyntax[] memberNames;
    private readonly LiteralExpressionSyntax[] literals;
    private readonly MemberDeclarationSyntax[] members;
    private readonly SyntaxToken[] modifiersAndBraces;
    private readonly AttributeListSyntax[] attributes;

    public Mutator(string source, CSharpParseOptions options)
    {
        tree = CSharpSyntaxTree.ParseText(source, options);
        text = tree.GetText();
        SyntaxNode root = tree.GetRoot();
        tokens = root.DescendantTokens().Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToArray();
        statements = root.DescendantNodes().OfType<StatementSyntax>().Where(s => s is not BlockSyntax).ToArray();
        typeNodes = root.DescendantNodes().OfType<TypeSyntax>().Where(t => t is not IdentifierNameSyntax || t.Parent is VariableDeclarationSyntax or ParameterSyntax or PropertyDeclarationSyntax or MethodDeclarationSyntax or TypeArgumentListSyntax).ToArray();
        memberNames = root.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Select(m => m.Name).ToArray();
        literals = root.DescendantNodes().OfType<LiteralExpressionSyntax>().ToArray();
        members = root.DescendantNodes().OfType<MemberDeclarationSyntax>().Where(m => m is not BaseNamespaceDeclarationSyntax).ToArray();
        modifiersAndBraces = tokens.Where(t => t.IsKind(SyntaxKind.OpenBraceToken) || t.IsKind(SyntaxKind.CloseBraceToken) || SyntaxFacts.IsKeywordKind(t.Kind()) && t.Parent is MemberDeclarationSyntax).ToArray();
        attributes = root.DescendantNodes().OfType<AttributeListSyntax>().ToArray();
    }

    public int TruncationCount => tokens.Length;

    public Variant Create(int seed, string sourceName, int index)
    {
        if (index < tokens.Length)
        {
            return new Variant(text.ToString(TextSpan.FromBounds(0, tokens[index].Span.End)), $"truncated after token {index} '{tokens[index].Text}'");
        }

        // 1–3 edits picked on the original tree and applied together (overlapping ones dropped): no
        // re-parse per edit, so a variant costs about one parse.
        var random = new Random(StableSeed(seed, sourceName, index));
        var changes = new List<TextChange>();
        var how = new List<string>();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            (TextChange change, string what)? edit = null;
            for (int attempt = 0; attempt < 8 && edit is null; attempt++)
            {
                edit = RandomEdit(random);
            }

            if (edit is { } chosen && !changes.Any(c => Touches(c.Span, chosen.change.Span)))
            {
                changes.Add(chosen.change);
                how.Add(chosen.what);
            }
        }

        return new Variant(text.WithChanges(changes.OrderBy(c => c.Span.Start)).ToString(), string.Join("; ", how));
    }

    private static bool Touches(TextSpan a, TextSpan b) =>
        a.OverlapsWith(b) || a.Start == b.Start || (a.Length == 0 && b.Contains(a.Start)) || (b.Length == 0 && a.Contains(b.Start))
        || a.End == b.Start || b.End == a.Start;

    /// <summary>A seed that is the same in every process (HashCode.Combine is salted per process).</summary>
    public static int StableSeed(int seed, string name, int index)
    {
        unchecked
        {
            uint h = 2166136261;
            foreach (char c in name)
            {
                h = (h ^ c) * 16777619;
            }

            return (int)((uint)seed * 0x9E3779B1u ^ h ^ ((uint)index * 0x85EBCA6Bu));
        }
    }

    private (TextChange, string)? RandomEdit(Random random)
    {
        switch (random.Next(12))
        {
            case 0 when statements.Length > 0:
            {
                StatementSyntax s = Pick(statements, random);
                return (new TextChange(s.FullSpan, string.Empty), $"deleted statement '{Short(s)}'");
            }

            case 1 when statements.Length > 0:
            {
                StatementSyntax s = Pick(statements, random);
                return (new TextChange(new TextSpan(s.FullSpan.End, 0), s.ToFullString()), $"duplicated statement '{Short(s)}'");
            }

            case 2 when statements.Length > 1:
            {
                // Swap two statements of one block when possible (reordering), else any two that do not nest.
                StatementSyntax a = Pick(statements, random);
                StatementSyntax[] siblings = statements.Where(s => s != a && s.Parent == a.Parent).ToArray();
                StatementSyntax b = siblings.Length > 0 ? Pick(siblings, random) : Pick(statements, random);
                if (a == b || a.FullSpan.OverlapsWith(b.FullSpan))
                {
                    return null;
                }

                (StatementSyntax first, StatementSyntax second) = a.SpanStart < b.SpanStart ? (a, b) : (b, a);
                string between = text.ToString(TextSpan.FromBounds(first.FullSpan.End, second.FullSpan.Start));
                return (new TextChange(TextSpan.FromBounds(first.FullSpan.Start, second.FullSpan.End), second.ToFullString() + between + first.ToFullString()),
                    $"swapped '{Short(first)}' and '{Short(second)}'");
            }

            case 3 when modifiersAndBraces.Length > 0:
            {
                SyntaxToken t = Pick(modifiersAndBraces, random);
                return (new TextChange(t.Span, string.Empty), $"removed '{t.Text}' at {t.SpanStart}");
            }

            case 4 when typeNodes.Length > 0:
            {
                SyntaxNode t = Pick(typeNodes, random);
                string type = Pick(WrongTypes, random);
                return (new TextChange(t.Span, type), $"type '{Short(t)}' -> '{type}'");
            }

            case 5 when memberNames.Length > 0:
            {
                SimpleNameSyntax n = Pick(memberNames, random);
                string name = random.Next(2) == 0 ? Pick(MemberNames, random) : n.Identifier.Text + "_x";
                return (new TextChange(n.Identifier.Span, name), $"member '{n.Identifier.Text}' -> '{name}'");
            }

            case 6 when literals.Length > 0:
            {
                LiteralExpressionSyntax l = Pick(literals, random);
                string value = Pick(Literals, random);
                return (new TextChange(l.Span, value), $"literal '{Short(l)}' -> '{value}'");
            }

            case 7 when tokens.Length > 0:
            {
                SyntaxToken t = Pick(tokens, random);
                return (new TextChange(t.Span, string.Empty), $"deleted token '{t.Text}' at {t.SpanStart}");
            }

            case 8 when tokens.Length > 0:
            {
                SyntaxToken t = Pick(tokens, random);
                string noise = Pick(Noise, random);
                return (new TextChange(new TextSpan(t.Span.End, 0), noise), $"inserted '{noise}' after '{t.Text}' at {t.Span.End}");
            }

            case 9 when members.Length > 0:
            {
                MemberDeclarationSyntax m = Pick(members, random);
                return random.Next(2) == 0
                    ? (new TextChange(new TextSpan(m.FullSpan.End, 0), m.ToFullString()), $"duplicated member '{Short(m)}'")
                    : (new TextChange(m.FullSpan, string.Empty), $"deleted member '{Short(m)}'");
            }

            case 10 when attributes.Length > 0:
            {
                AttributeListSyntax a = Pick(attributes, random);
                return random.Next(2) == 0
                    ? (new TextChange(a.FullSpan, string.Empty), $"deleted attribute '{Short(a)}'")
                    : (new TextChange(new TextSpan(a.FullSpan.End, 0), a.ToFullString()), $"duplicated attribute '{Short(a)}'");
            }

            case 11 when tokens.Length > 0:
            {
                // Cut a random range: half-typed code in the middle of a file.
                int start = random.Next(text.Length);
                int length = random.Next(Math.Min(80, text.Length - start) + 1);
                return (new TextChange(new TextSpan(start, length), string.Empty), $"cut {length} characters at {start}");
            }
        }

        return null;
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];

    private static string Short(SyntaxNode node)
    {
        string s = node.ToString().ReplaceLineEndings(" ");
        return s.Length <= 40 ? s : s[..40] + "…";
    }
}

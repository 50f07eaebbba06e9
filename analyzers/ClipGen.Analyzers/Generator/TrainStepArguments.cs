using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Generator;

/// <summary>The constant arguments of one train-step attribute, read and validated (CG1005).</summary>
internal sealed class TrainStepArguments
{
    public string? Model { get; private set; }
    public string? Optimizer { get; private set; }
    public string? Loss { get; private set; }
    public int NonFinite { get; private set; }
    public int AccumulationSteps { get; private set; } = 1;
    public string? Scheduler { get; private set; }
    public string? Monitor { get; private set; }

    /// <summary><c>ClipGradNorm</c>'s <c>FlatGradients</c> (default true); false for the other attributes, which have no buffer path.</summary>
    public bool FlatGradients { get; private set; }

    /// <summary>The clipping thresholds in <c>GradClip</c>'s parameter order (maxNorm, normType / clipValue / clipFactor, eps).</summary>
    public List<double> Thresholds { get; } = new();

    /// <summary>Reads the attribute; null when it is incomplete (the compiler reports that).</summary>
    public static TrainStepArguments? Read(AttributeData attribute, ClipKind kind, TrainStepDiagnostics diagnostics)
    {
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1 ||
            attribute.ConstructorArguments[0].Value is not double first)
        {
            return null;
        }

        var result = new TrainStepArguments { FlatGradients = kind == ClipKind.Norm };
        double normType = 2.0, eps = 1e-3;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            object? value = named.Value.Value;
            switch (named.Key)
            {
                case "Model": result.Model = value as string; break;
                case "Optimizer": result.Optimizer = value as string; break;
                case "Loss": result.Loss = value as string; break;
                case "NonFinite" when value is int policy: result.NonFinite = policy; break;
                case "AccumulationSteps" when value is int k: result.AccumulationSteps = k; break;
                case "Scheduler": result.Scheduler = value as string; break;
                case "Monitor": result.Monitor = value as string; break;
                case "FlatGradients" when value is bool flat && kind == ClipKind.Norm: result.FlatGradients = flat; break;
                case "NormType" when value is double p: normType = p; break;
                case "Eps" when value is double e: eps = e; break;
            }
        }

        switch (kind)
        {
            case ClipKind.Norm:
                Require(first >= 0 && !double.IsInfinity(first), "maxNorm", first, "it must be finite and ≥ 0", attribute, diagnostics);
                Require(normType > 0, "NormType", normType, "it must be > 0 (or double.PositiveInfinity for the max-norm)", attribute, diagnostics);
                result.Thresholds.Add(first);
                result.Thresholds.Add(normType);
                break;
            case ClipKind.Value:
                Require(first >= 0 && !double.IsInfinity(first), "clipValue", first, "it must be finite and ≥ 0", attribute, diagnostics);
                result.Thresholds.Add(first);
                break;
            default:
                Require(first > 0 && !double.IsInfinity(first), "clipFactor", first, "it must be finite and > 0 (0.01 is typical)", attribute, diagnostics);
                Require(eps > 0 && !double.IsInfinity(eps), "Eps", eps, "it must be finite and > 0", attribute, diagnostics);
                result.Thresholds.Add(first);
                result.Thresholds.Add(eps);
                break;
        }

        if (result.AccumulationSteps < 1)
        {
            diagnostics.Report(Descriptors.CG1005_InvalidAttributeArgument, ArgumentLocation(attribute, "AccumulationSteps"),
                "AccumulationSteps", result.AccumulationSteps.ToString(CultureInfo.InvariantCulture), "it must be at least 1");
        }

        if (result.NonFinite is < 0 or > 2)
        {
            diagnostics.Report(Descriptors.CG1005_InvalidAttributeArgument, ArgumentLocation(attribute, "NonFinite"),
                "NonFinite", result.NonFinite.ToString(CultureInfo.InvariantCulture), "it must be a defined NonFinitePolicy value");
        }

        return result;
    }

    private static void Require(bool valid, string name, double value, string rule, AttributeData attribute, TrainStepDiagnostics diagnostics)
    {
        // NaN fails every comparison, so 'valid' is false for it as well.
        if (!valid)
        {
            diagnostics.Report(Descriptors.CG1005_InvalidAttributeArgument, ArgumentLocation(attribute, name),
                name, value.ToString("R", CultureInfo.InvariantCulture), rule);
        }
    }

    /// <summary>The argument's syntax (positional for the constructor argument, else by name), or the attribute's.</summary>
    private static Location? ArgumentLocation(AttributeData attribute, string name)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        if (syntax.ArgumentList is { } arguments)
        {
            foreach (AttributeArgumentSyntax argument in arguments.Arguments)
            {
                string? argumentName = argument.NameEquals?.Name.Identifier.ValueText ?? argument.NameColon?.Name.Identifier.ValueText;
                bool positional = argument.NameEquals is null && argument.NameColon is null;
                if (argumentName == name || (positional && char.IsLower(name[0])))
                {
                    return argument.GetLocation();
                }
            }
        }

        return syntax.GetLocation();
    }
}

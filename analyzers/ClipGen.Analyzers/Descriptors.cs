using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers;

/// <summary>Every diagnostic ClipGen reports, in one place. Each ID has a page at <c>docs/rules/&lt;ID&gt;.md</c>.</summary>
internal static class Descriptors
{
    private const string HelpBase = "https://github.com/clipgen/clipgen/blob/main/docs/rules/";
    private const string TrainingLoop = "ClipGen.TrainingLoop";
    private const string Generator = "ClipGen.Generator";

    /// <summary>
    /// CG0001 is Info by default; the rule raises a diagnostic's effective severity to Warning when the
    /// model is visibly recurrent or attention-based (see the rule). <c>.editorconfig</c> settings override both.
    /// </summary>
    public static readonly DiagnosticDescriptor CG0001_MissingClipping = Create(
        "CG0001", TrainingLoop, DiagnosticSeverity.Info,
        "Optimizer step without gradient clipping",
        "'{0}.step()' runs after 'backward()' with no gradient clipping between them{1}",
        "Exploding gradients in RNN/LSTM/Transformer or fine-tuning runs turn a training step into NaN weights. Clip the gradients (e.g. torch.nn.utils.clip_grad_norm_ or ClipGen.GradClip.ClipGradNorm) between backward() and step().");

    public static readonly DiagnosticDescriptor CG0002_ZeroGradBetweenBackwardAndStep = Create(
        "CG0002", TrainingLoop, DiagnosticSeverity.Warning,
        "Gradients cleared between backward() and step()",
        "'{0}' clears the gradients on a path between 'backward()' and '{1}.step()': {2}",
        "zero_grad() between backward() and step() discards the gradients that backward() just computed, so the optimizer steps on nothing. Clear gradients at the start of the iteration or right after step().");

    public static readonly DiagnosticDescriptor CG0003_GradientsNeverCleared = Create(
        "CG0003", TrainingLoop, DiagnosticSeverity.Warning,
        "Gradients never cleared in a training loop",
        "This loop calls 'backward()' and '{0}.step()' but never clears gradients: they accumulate across iterations",
        "TorchSharp accumulates gradients into .grad on every backward(); without zero_grad() each step uses the sum of all previous gradients.");

    public static readonly DiagnosticDescriptor CG0004_ClippingHasNoEffect = Create(
        "CG0004", TrainingLoop, DiagnosticSeverity.Warning,
        "Gradient clipping cannot affect the update",
        "This clipping runs {0}: it cannot affect the next optimizer step",
        "Clipping must run after backward() has produced the gradients and before step() consumes them.");

    public static readonly DiagnosticDescriptor CG0005_StepBeforeBackward = Create(
        "CG0005", TrainingLoop, DiagnosticSeverity.Warning,
        "Optimizer step before backward()",
        "'{0}.step()' runs before 'backward()' in this iteration: it applies the previous iteration's gradients",
        "step() consumes the gradients computed by backward(); calling it first applies stale (or no) gradients.");

    public static readonly DiagnosticDescriptor CG0006_InvalidClippingArgument = Create(
        "CG0006", TrainingLoop, DiagnosticSeverity.Warning,
        "Invalid gradient clipping argument",
        "'{0}' is {1}; {2}",
        "Negative or NaN clipping thresholds silently flip or destroy gradients (pytorch#31367); norm_type must be positive or infinity.");

    public static readonly DiagnosticDescriptor CG0007_StepWithoutBackward = Create(
        "CG0007", TrainingLoop, DiagnosticSeverity.Warning,
        "Optimizer step without backward()",
        "'{0}.step()' runs in a loop that computes a loss, but no 'backward()' computes its gradients: it steps on stale or no gradients",
        "A loop that computes a loss and steps without any backward() never trains on that loss (a backward commented out, or lost in a refactoring).");

    public static readonly DiagnosticDescriptor CG1001_MethodNotPartial = Create(
        "CG1001", Generator, DiagnosticSeverity.Error,
        "Train-step method must be a partial declaration without a body",
        "'{0}' is marked [{1}] but {2}: declare it as 'partial' without a body so ClipGen can generate it",
        "The generator writes the body of a partial method declaration.");

    public static readonly DiagnosticDescriptor CG1002_TypeNotPartial = Create(
        "CG1002", Generator, DiagnosticSeverity.Error,
        "Type containing a train step must be partial",
        "'{0}' contains the [{1}] method '{2}' and must be declared 'partial'",
        "Generated code is added to the containing type (and every outer type), which must be partial.");

    public static readonly DiagnosticDescriptor CG1003_MemberNotFound = Create(
        "CG1003", Generator, DiagnosticSeverity.Error,
        "Model, optimizer or loss not found",
        "{0}",
        "The generator finds the model, optimizer and loss among the containing type's fields and properties by type; name them with Model, Optimizer or Loss when there is none or more than one.");

    public static readonly DiagnosticDescriptor CG1004_UnsupportedSignature = Create(
        "CG1004", Generator, DiagnosticSeverity.Error,
        "Unsupported train-step signature",
        "'{0}' cannot be generated: {1}",
        "A train step returns void, Tensor, float, double or ClipGen.TrainStepResult, and its parameters are the model's inputs and the target (or the loss method's parameters).");

    public static readonly DiagnosticDescriptor CG1005_InvalidAttributeArgument = Create(
        "CG1005", Generator, DiagnosticSeverity.Error,
        "Invalid train-step attribute argument",
        "'{0}' is {1}; {2}",
        "Clipping thresholds must be finite and non-negative (clipFactor and Eps positive), and AccumulationSteps at least 1.");

    private static DiagnosticDescriptor Create(
        string id, string category, DiagnosticSeverity severity, string title, string message, string description) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description, HelpBase + id + ".md");
}

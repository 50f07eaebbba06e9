using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0006InvalidClippingArgumentTests
{
    private static string Clip(string call) => Snippets.Loop($$"""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        {{call}};
        optimizer.step();
        """);

    [Theory]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), {|CG0006:-1.0|})")]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), {|CG0006:0|})")]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), {|CG0006:double.NaN|})")]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), 1.0, {|CG0006:0.0|})")]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), 1.0, {|CG0006:double.NegativeInfinity|})")]
    [InlineData("nn.utils.clip_grad_norm_({|CG0006:max_norm: -2|}, tensors: model.parameters())")]
    [InlineData("nn.utils.clip_grad_value_(model.parameters(), {|CG0006:-0.5|})")]
    [InlineData("ClipGen.GradClip.ClipGradNorm(model.parameters(), {|CG0006:-1|})")]
    [InlineData("ClipGen.GradClip.ClipGradNorm(model.parameters(), 1, {|CG0006:normType: -2|})")]
    [InlineData("ClipGen.GradClip.ClipGradValue(model.parameters(), {|CG0006:0|})")]
    public Task Invalid_constants_are_reported(string call) => Verify.VerifyAsync(Clip(call));

    [Theory]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), 1.0)")]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), 0.5, double.PositiveInfinity)")]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), steps)")]
    [InlineData("nn.utils.clip_grad_value_(model.parameters(), 1e-3)")]
    [InlineData("ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 1.0)")]
    public Task Valid_or_non_constant_arguments_are_clean(string call) => Verify.VerifyAsync(Clip(call));

    [Fact]
    public Task Message_names_the_parameter_and_the_value() => Verify.VerifyAsync(
        Clip("nn.utils.clip_grad_norm_(model.parameters(), {|#0:-1.5|})"),
        false,
        Verify.Diagnostic("CG0006").WithLocation(0).WithArguments(
            "max_norm", "-1.5", "it must be ≥ 0: a negative max_norm flips gradient signs (pytorch#31367)"));

    [Theory]
    [InlineData("nn.utils.clip_grad_norm_(model.parameters(), {|#0:0.0|})", "max_norm")]
    [InlineData("ClipGen.GradClip.ClipGradNorm(model.parameters(), {|#0:0|})", "maxNorm")]
    [InlineData("ClipGen.GradClip.ClipGradValue(model.parameters(), {|#0:0.0|})", "clipValue")]
    public Task Zero_thresholds_are_valid_but_warned_as_zeroing_every_gradient(string call, string parameter) => Verify.VerifyAsync(
        Clip(call),
        Verify.Diagnostic("CG0006").WithLocation(0).WithArguments(parameter, "0", "it zeroes every gradient: no learning (use a positive threshold)"));
}

public class HalfTypedCodeTests
{
    [Theory]
    [InlineData("foreach (var b in ) { b.backward(); optimizer.step(; }")]
    [InlineData("while (true) { optimizer.zero_grad(); undefinedLoss.backward(); nn.utils.clip_grad_norm_(model.parameters(), ); optimizer.step(); }")]
    [InlineData("do { optimizer.step(() => ); model.call(x).backward(retain_graph: ); } while (")]
    [InlineData("nn.utils.clip_grad_value_(max_norm: -1, clip_value: ); GetOpt().step(); GetOpt().zero_grad(); goto top;")]
    public Task Rules_do_not_throw_on_incomplete_loops(string body) =>
        CSharpAnalyzerVerifier<TrainingLoopAnalyzer>.VerifyTolerantAsync(Snippets.Loop(body));
}

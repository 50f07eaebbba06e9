using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0004ClippingHasNoEffectTests
{
    [Fact]
    public Task Clipping_before_backward_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            {|CG0004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
            nn.functional.mse_loss(model.call(x), y).backward();
            {|CG0001:optimizer.step()|};
        }
        """));

    [Fact]
    public Task Clipping_after_step_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            {|CG0001:optimizer.step()|};
            {|CG0004:nn.utils.clip_grad_value_(model.parameters(), 1.0)|};
        }
        """));

    [Fact]
    public Task Clipping_between_backward_and_step_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Clipping_helper_without_backward_or_step_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        """));

    [Fact]
    public Task Clipping_accumulated_gradients_before_the_k_th_step_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            if ((i + 1) % 4 != 0)
            {
                continue;
            }
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            optimizer.zero_grad();
        }
        """));
}

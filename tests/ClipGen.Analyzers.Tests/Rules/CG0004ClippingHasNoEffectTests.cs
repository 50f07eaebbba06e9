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
    public Task Clipping_after_step_is_reported_once_as_misplaced_not_also_as_missing() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            optimizer.step();
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

    [Fact]
    public Task A_conditional_clip_after_the_step_is_reported_once_as_misplaced() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            optimizer.step();
            if (i % 10 == 0)
            {
                {|CG0004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
            }
        }
        """));

    [Fact]
    public Task A_clip_after_the_next_backward_does_not_hide_the_missing_clip() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        {|CG0001:optimizer.step()|};
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(y), x).backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        """));
}

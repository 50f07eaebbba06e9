using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0005StepBeforeBackwardTests
{
    [Fact]
    public Task Step_before_backward_in_the_iteration_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            {|CG0005:optimizer.step()|};
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
        }
        """));

    [Fact]
    public Task Step_before_backward_in_straight_code_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        {|CG0005:optimizer.step()|};
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        """));

    [Fact]
    public Task Step_after_backward_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Step_every_k_iterations_after_backward_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            if ((i + 1) % 4 == 0)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                optimizer.zero_grad();
            }
        }
        """));

    [Fact]
    public Task Look_alike_step_before_backward_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        var sim = new Simulator();
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            sim.step();
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """, members: """
        private sealed class Simulator { public void step() { } }
        """));
}

using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

/// <summary>CG0002 for gradients discarded by hand (the same facts CG0003 counts as clearing): the step then has none.</summary>
public class CG0002GradientsClearedByHandTests
{
    [Fact]
    public Task A_helper_that_nulls_every_grad_between_backward_and_step_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            {|CG0002:ResetGradients(model)|};
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """, members: """
        private static void ResetGradients(nn.Module module)
        {
            foreach (var p in module.parameters())
            {
                p.grad = null;
            }
        }
        """));

    [Fact]
    public Task An_inline_loop_that_nulls_the_grads_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            foreach (var p in model.parameters()) {|CG0002:p.grad = null|};
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Disposing_the_grads_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        foreach (var p in model.parameters())
        {
            {|CG0002:p.grad?.Dispose()|};
        }
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        """));

    [Fact]
    public Task Clearing_by_hand_at_the_start_of_the_iteration_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            foreach (var p in model.parameters()) p.grad = null;
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Rescaling_the_grads_by_hand_is_not_clearing() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            foreach (var p in model.parameters())
            {
                if (p.grad is not null) p.grad = p.grad * 0.5;
            }
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task A_helper_that_is_a_whole_train_step_is_not_a_clearing() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            Apply(optimizer, model);
            optimizer.step();
        }
        """, members: """
        private static void Apply(optim.Optimizer opt, nn.Module module)
        {
            nn.utils.clip_grad_norm_(module.parameters(), 1.0);
            opt.step();
            opt.zero_grad();
        }
        """));
}

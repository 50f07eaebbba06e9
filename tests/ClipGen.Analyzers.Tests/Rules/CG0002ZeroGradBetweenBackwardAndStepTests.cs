using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0002ZeroGradBetweenBackwardAndStepTests
{
    [Fact]
    public Task Zero_grad_between_backward_and_step_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            {|CG0002:optimizer.zero_grad()|};
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Module_zero_grad_between_backward_and_step_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        nn.functional.mse_loss(model.call(x), y).backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        {|CG0002:model.zero_grad()|};
        optimizer.step();
        """));

    [Fact]
    public Task Zero_grad_on_one_branch_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        nn.functional.mse_loss(model.call(x), y).backward();
        if (steps > 3) {|CG0002:optimizer.zero_grad()|};
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        """));

    [Fact]
    public Task Unconditional_zero_grad_while_stepping_every_k_iterations_is_reported_through_the_back_edge() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            {|CG0002:optimizer.zero_grad()|};
            (nn.functional.mse_loss(model.call(x), y) / 4).backward();
            if ((i + 1) % 4 == 0)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
        }
        """));

    // A step skipped on non-finite gradients discards them on purpose: the next iteration's zero_grad is the
    // intended discard, not gradients starved through the back-edge (ClipGen's documented SkipStep loop).
    [Theory]
    [InlineData("var clip = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep);", "!clip.SkipStep")]
    [InlineData("var clip = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep);", "!clip.NonFinite")]
    [InlineData("double norm = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0);", "double.IsFinite(norm)")]
    [InlineData("double norm = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0);", "!(double.IsNaN(norm) || double.IsInfinity(norm))")]
    [InlineData("Tensor norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0);", "!norm.isnan().item<bool>()")]
    [InlineData("Tensor norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0);", "isfinite(norm).all().item<bool>()")]
    [InlineData("var result = new ClipGen.NormClipper(1.0).Clip(model.parameters());", "!result.SkipStep")]
    [InlineData("var record = new ClipGen.GradNormMonitor().Record(ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep));", "!record.SkipStep")]
    [InlineData("bool finite = double.IsFinite(ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0));", "finite")]
    public Task Zero_grad_at_top_with_a_step_skipped_on_non_finite_gradients_is_clean(string clip, string guard) => Verify.VerifyAsync(Snippets.Loop($$"""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            {{clip}}
            if ({{guard}}) optimizer.step();
        }
        """));

    [Fact]
    public Task Skipping_the_step_with_continue_on_a_non_finite_norm_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        int skipped = 0;
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            var clip = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep);
            if (clip.SkipStep)
            {
                skipped++;
                continue;
            }
            optimizer.step();
        }
        """));

    [Fact]
    public Task Zero_grad_in_the_non_finite_branch_before_continue_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            double norm = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0);
            if (!double.IsFinite(norm))
            {
                optimizer.zero_grad();
                continue;
            }
            optimizer.step();
            optimizer.zero_grad();
        }
        """));

    [Fact]
    public Task A_non_finite_guard_combined_with_a_periodic_step_is_still_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            {|CG0002:optimizer.zero_grad()|};
            (nn.functional.mse_loss(model.call(x), y) / 4).backward();
            var clip = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep);
            if (!clip.SkipStep && (i + 1) % 4 == 0) optimizer.step();
        }
        """));

    [Fact]
    public Task Zero_grad_between_a_non_finite_guard_and_the_step_is_still_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            var clip = ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep);
            if (!clip.SkipStep)
            {
                {|CG0002:optimizer.zero_grad()|};
                optimizer.step();
            }
        }
        """));

    [Fact]
    public Task A_guard_local_reassigned_from_a_counter_is_not_a_non_finite_guard() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            {|CG0002:optimizer.zero_grad()|};
            nn.functional.mse_loss(model.call(x), y).backward();
            bool ok = double.IsFinite(ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0));
            ok = (i + 1) % 4 == 0;
            if (ok) optimizer.step();
        }
        """));

    [Fact]
    public Task A_look_alike_SkipStep_property_is_not_a_non_finite_guard() => Verify.VerifyAsync(Snippets.Loop("""
        var schedule = new Schedule();
        for (int i = 0; i < steps; i++)
        {
            {|CG0002:optimizer.zero_grad()|};
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            if (!schedule.SkipStep) optimizer.step();
        }
        """, members: """
        private sealed class Schedule { public bool SkipStep => DateTime.Now.Second % 4 != 0; }
        """));

    [Theory]
    [InlineData("optimizer.zero_grad();", "")]
    [InlineData("", "optimizer.zero_grad();")]
    [InlineData("model.zero_grad();", "")]
    public Task Zero_grad_at_top_or_after_step_is_clean(string top, string bottom) => Verify.VerifyAsync(Snippets.Loop($$"""
        for (int i = 0; i < steps; i++)
        {
            {{top}}
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            {{bottom}}
        }
        """));

    [Fact]
    public Task Accumulation_done_right_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        foreach (var batch in new[] { x, x, x, x })
        {
            (nn.functional.mse_loss(model.call(batch), y) / 2).backward();
            if (steps++ % 2 == 1)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                optimizer.zero_grad();
            }
        }
        """));

    [Fact]
    public Task GAN_zero_grads_after_the_other_optimizer_stepped_are_clean() => Verify.VerifyAsync(Snippets.Usings + """
        public static class Gan
        {
            public static void Train(nn.Module<Tensor, Tensor> d, nn.Module<Tensor, Tensor> g, Tensor real, Tensor noise, int steps)
            {
                var optD = optim.Adam(d.parameters(), 2e-4);
                var optG = optim.Adam(g.parameters(), 2e-4);
                for (int i = 0; i < steps; i++)
                {
                    optD.zero_grad();
                    (d.call(real).mean() - d.call(g.call(noise).detach()).mean()).backward();
                    nn.utils.clip_grad_norm_(d.parameters(), 1.0);
                    optD.step();

                    optG.zero_grad();
                    (-d.call(g.call(noise)).mean()).backward();
                    nn.utils.clip_grad_norm_(g.parameters(), 1.0);
                    optG.step();
                }
            }
        }
        """);

    [Fact]
    public Task Zero_grad_inside_the_closure_of_LBFGS_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        var lbfgs = optim.LBFGS(model.parameters());
        for (int i = 0; i < steps; i++)
        {
            lbfgs.step(() =>
            {
                lbfgs.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                return loss;
            });
        }
        """));
}

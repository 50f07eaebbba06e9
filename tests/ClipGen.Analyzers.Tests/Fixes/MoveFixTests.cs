using ClipGen.Analyzers.Tests.Infrastructure;
using ClipGen.CodeFixes;
using Analyzer = ClipGen.Analyzers.TrainingLoopAnalyzer;

namespace ClipGen.Analyzers.Tests.Fixes;

public class CG0002MoveZeroGradCodeFixTests
{
    [Fact]
    public Task Moves_zero_grad_after_the_step() => CheckedFixVerifier<CG0002MoveZeroGradCodeFix>.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                nn.functional.mse_loss(model.call(x), y).backward();
                {|CG0002:optimizer.zero_grad()|}; // clear
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            """),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                optimizer.zero_grad(); // clear
            }
            """));

    [Fact]
    public Task Keeps_accumulation_intact_by_clearing_only_when_stepping() => CheckedFixVerifier<CG0002MoveZeroGradCodeFix>.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                {|CG0002:optimizer.zero_grad()|};
                nn.functional.mse_loss(model.call(x), y).backward();
                if ((i + 1) % 4 == 0)
                {
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    optimizer.step();
                }
            }
            """),
        Snippets.Loop("""
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
}

public class CG0003InsertZeroGradCodeFixTests
{
    [Fact]
    public Task Inserts_zero_grad_first_in_every_loop() => CheckedFixVerifier<CG0003InsertZeroGradCodeFix>.VerifyAsync(
        Snippets.Loop("""
            {|CG0003:for|} (int i = 0; i < steps; i++)
            {
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            {|CG0003:while|} (steps-- > 0)
            {
                model.call(x).sum().backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            """),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            while (steps-- > 0)
            {
                optimizer.zero_grad();
                model.call(x).sum().backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            """));
}

public class CG0004MoveClippingCodeFixTests
{
    [Fact]
    public Task Moves_clipping_from_before_backward_to_just_before_the_step() => CheckedFixVerifier<CG0004MoveClippingCodeFix>.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                {|CG0004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
                nn.functional.mse_loss(model.call(x), y).backward();
                {|CG0001:optimizer.step()|};
            }
            """),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            """));

    [Fact]
    public Task Moves_clipping_from_after_the_step_to_just_before_it() => CheckedFixVerifier<CG0004MoveClippingCodeFix>.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                optimizer.step();
                // keep the norm bounded
                {|CG0004:nn.utils.clip_grad_norm_(model.parameters(), 1.0)|};
            }
            """),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                // keep the norm bounded
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            """));
}

public class CG0005MoveStepCodeFixTests
{
    [Fact]
    public Task Moves_the_step_after_backward() => CheckedFixVerifier<CG0005MoveStepCodeFix>.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                {|CG0005:optimizer.step()|};
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
            }
            """),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                {|CG0001:optimizer.step()|};
            }
            """));

    [Fact]
    public Task Moves_the_step_after_the_clip_that_follows_backward() => CheckedFixVerifier<CG0005MoveStepCodeFix>.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                {|CG0005:optimizer.step()|};
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            }
            """),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            """));
}

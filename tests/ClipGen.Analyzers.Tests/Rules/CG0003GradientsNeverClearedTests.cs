using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0003GradientsNeverClearedTests
{
    [Fact]
    public Task Loop_that_never_clears_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        {|CG0003:for|} (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Zero_grad_before_the_loop_does_not_count() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.zero_grad();
        {|CG0003:while|} (steps-- > 0)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Only_the_innermost_loop_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int epoch = 0; epoch < 3; epoch++)
        {
            {|CG0003:foreach|} (var batch in new[] { x, x })
            {
                nn.functional.mse_loss(model.call(batch), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
        }
        """));

    [Fact]
    public Task Each_optimizer_needs_its_own_clearing() => Verify.VerifyAsync(Snippets.Loop("""
        var other = optim.SGD(model.parameters(), 0.1);
        {|CG0003:for|} (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            other.step();
        }
        """));

    [Theory]
    [InlineData("optimizer.zero_grad();")]
    [InlineData("model.zero_grad();")]
    [InlineData("foreach (var p in model.parameters()) p.grad = null;")]
    [InlineData("foreach (var p in model.parameters()) p.grad?.zero_();")]
    [InlineData("Clear();")]
    public Task Any_way_of_clearing_is_clean(string clear) => Verify.VerifyAsync(Snippets.Loop($$"""
        for (int i = 0; i < steps; i++)
        {
            {{clear}}
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """, members: """
        private nn.Module<Tensor, Tensor>? net;
        private void Clear() => net?.zero_grad();
        """));

    [Fact]
    public Task Accumulation_in_an_inner_loop_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            for (int micro = 0; micro < 4; micro++)
            {
                (nn.functional.mse_loss(model.call(x), y) / 4).backward();
            }
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Evaluation_loop_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        using var _ = torch.no_grad();
        for (int i = 0; i < steps; i++)
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            Console.WriteLine(loss.item<float>());
        }
        """));
}

using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0007StepWithoutBackwardTests
{
    [Fact]
    public Task A_loop_whose_backward_is_commented_out_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y);
            // loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            {|CG0007:optimizer.step()|};
        }
        """));

    [Fact]
    public Task A_loss_module_in_a_minibatch_loop_without_backward_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        var criterion = nn.CrossEntropyLoss();
        foreach (var batch in new[] { (x, y), (y, x) })
        {
            optimizer.zero_grad();
            var loss = criterion.call(model.call(batch.Item1), batch.Item2);
            Console.WriteLine(loss.item<float>());
            {|CG0007:optimizer.step()|};
        }
        """));

    [Fact]
    public Task A_method_that_only_steps_is_correct() => Verify.VerifyAsync(Snippets.Usings + """
        public sealed class MultiOptimizer
        {
            private readonly List<optim.Optimizer> optimizers = new();

            public void Step()
            {
                foreach (var optimizer in optimizers)
                {
                    optimizer.step();
                }
            }
        }

        """);

    [Fact]
    public Task A_backward_in_a_lambda_of_the_loop_is_seen() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y);
            Run(() => loss.backward());
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """, members: """
        private static void Run(Action action) => action();
        """));

    [Fact]
    public Task A_loss_handed_to_a_delegate_may_be_backpropagated_there() => Verify.VerifyAsync(Snippets.Usings + """
        public sealed class Trainer
        {
            public void Fit(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Action<Tensor> backpropagate)
            {
                var optimizer = optim.Adam(model.parameters());
                for (int i = 0; i < 10; i++)
                {
                    optimizer.zero_grad();
                    backpropagate(nn.functional.mse_loss(model.call(x), y));
                    optimizer.step();
                }
            }
        }

        """);

    [Fact]
    public Task A_source_helper_that_backpropagates_is_seen() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            Backpropagate(nn.functional.l1_loss(model.call(x), y), model);
            optimizer.step();
        }
        """, members: """
        private static void Backpropagate(Tensor loss, nn.Module model)
        {
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        }
        """));

    [Fact]
    public Task A_validation_loop_that_steps_a_scheduler_is_not_an_optimizer_step() => Verify.VerifyAsync(Snippets.Loop("""
        var scheduler = optim.lr_scheduler.StepLR(optimizer, 10);
        for (int epoch = 0; epoch < steps; epoch++)
        {
            using (torch.no_grad())
            {
                var validation = nn.functional.mse_loss(model.call(x), y);
                Console.WriteLine(validation.item<float>());
            }
            scheduler.step();
        }
        """));
}

using ClipGen.Analyzers.Tests.Infrastructure;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

/// <summary>
/// Silent in doubt: on code whose types do not all bind (a missing reference, the IDE while typing) a call that
/// could be the clip, the clearing, the backward or the step suppresses the diagnostic it would satisfy, and
/// never causes one. Compiler errors are expected in these snippets (<c>VerifyTolerantAsync</c>).
/// </summary>
public class HalfBoundCodeTests
{
    /// <summary>A PPO agent whose network and options types are in no referenced assembly.</summary>
    private const string PpoAgent = Snippets.Usings + """
        public sealed class PpoAgent
        {
            private readonly PolicyNet actor;
            private readonly ValueNet critic;
            private readonly optim.Optimizer actorOptimizer;
            private readonly optim.Optimizer criticOptimizer;
            private readonly AgentSettings settings;

            public PpoAgent(AgentSettings s)
            {
                settings = s;
                actor = new PolicyNet(s.Observations, s.Actions);
                critic = new ValueNet(s.Observations);
                actorOptimizer = optim.Adam(actor.parameters(), s.ActorLearningRate);
                criticOptimizer = optim.Adam(critic.parameters(), s.CriticLearningRate);
            }

            public void UpdateCritic(Tensor observations, Tensor returns)
            {
                var loss = nn.functional.mse_loss(critic.forward(observations), returns);
                criticOptimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(critic.parameters(), settings.MaxGradNorm);
                criticOptimizer.step();
            }

            public void Learn(RolloutBuffer buffer)
            {
                for (int epoch = 0; epoch < settings.Epochs; epoch++)
                {
                    foreach (var batch in buffer.Shuffled(settings.MiniBatch))
                    {
                        using (var scope = torch.NewDisposeScope())
                        {
                            using (var obs = batch.Observations.to(settings.Device))
                            {
                                var ratio = (actor.LogProb(obs, batch.Actions) - batch.OldLogProbs).exp();
                                var policyLoss = -(ratio * batch.Advantages).mean();
                                actorOptimizer.zero_grad();
                                policyLoss.backward();
                                nn.utils.clip_grad_norm_(actor.parameters(), settings.MaxGradNorm);
                                actorOptimizer.step();

                                var valueLoss = nn.functional.mse_loss(critic.forward(obs), batch.Returns);
                                criticOptimizer.zero_grad();
                                valueLoss.backward();
                                nn.utils.clip_grad_norm_(critic.parameters(), settings.MaxGradNorm);
                                criticOptimizer.step();
                            }
                        }
                    }
                }
            }
        }

        """;

    [Fact]
    public Task A_PPO_agent_with_unbound_networks_gets_no_false_CG0001_nor_CG0005() => Verify.VerifyTolerantAsync(PpoAgent);

    [Fact]
    public Task CG0001_a_clip_whose_arguments_do_not_bind_may_be_the_clip() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        nn.utils.clip_grad_norm_(unknownNet.parameters(), config.MaxNorm);
        optimizer.step();
        """));

    [Fact]
    public Task CG0001_a_clip_on_a_receiver_that_does_not_bind_may_be_the_clip() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        clipper.ClipGradNorm(model.parameters(), 1.0);
        optimizer.step();
        """));

    [Fact]
    public Task CG0001_is_still_reported_when_only_unrelated_calls_do_not_bind() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        optimizer.zero_grad();
        var loss = nn.functional.mse_loss(model.call(x), y);
        loss.backward();
        logger.Report(loss.item<float>());
        {|CG0001:optimizer.step()|};
        """));

    [Fact]
    public Task CG0002_a_step_that_does_not_bind_may_consume_the_gradients() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            externalOptimizer.step();
            optimizer.zero_grad();
            optimizer.step();
        }
        """));

    [Fact]
    public Task CG0003_zero_grad_on_a_model_whose_type_does_not_bind_may_clear() => Verify.VerifyTolerantAsync(Snippets.Usings + """
        public class GanTrainer
        {
            private readonly ImageGenerator generator = new ImageGenerator(100);

            public void Train(int steps)
            {
                var optimizer = optim.Adam(generator.parameters(), 2e-4);
                for (int i = 0; i < steps; i++)
                {
                    generator.zero_grad();
                    var loss = generator.call(torch.randn(16, 100)).mean();
                    ((Tensor)loss).backward();
                    nn.utils.clip_grad_norm_(generator.parameters(), 1.0);
                    optimizer.step();
                }
            }
        }

        """);

    [Fact]
    public Task CG0003_grad_cleared_by_hand_on_unbound_parameters_may_clear() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            foreach (var p in network.parameters()) p.grad = null;
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task CG0003_is_still_reported_when_the_unbound_call_cannot_clear() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        {|CG0003:for|} (int i = 0; i < steps; i++)
        {
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            history.Add(i);
        }
        """));

    [Fact]
    public Task CG0004_a_backward_that_does_not_bind_may_have_computed_the_gradients() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();

        policyOptimizer.zero_grad();
        var policyLoss = policy.Loss(x, y);
        policyLoss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        policyOptimizer.step();
        """));

    [Fact]
    public Task CG0005_a_backward_that_does_not_bind_may_run_before_the_step() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        // The bound backward after the step is cleared by the next iteration's zero_grad (a definite CG0002);
        // the step itself may follow the unbound backward, so no CG0005.
        for (int i = 0; i < steps; i++)
        {
            {|CG0002:optimizer.zero_grad()|};
            policy.Loss(x).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            nn.functional.mse_loss(model.call(x), y).backward();
        }
        """));

    [Fact]
    public Task CG0006_is_not_reported_on_a_clip_that_does_not_bind() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        nn.utils.clip_grad_norm_(unknownNet.parameters(), -1.0);
        optimizer.step();
        """));

    [Fact]
    public Task A_helper_whose_clip_does_not_bind_may_clip() => Verify.VerifyTolerantAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        ClipAll();
        optimizer.step();
        """, members: """
        private void ClipAll() => nn.utils.clip_grad_norm_(encoder.parameters(), options.MaxNorm);
        """));
}

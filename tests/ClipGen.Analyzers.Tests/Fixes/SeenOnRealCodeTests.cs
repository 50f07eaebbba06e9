using ClipGen.Analyzers.Tests.FixCorpus;
using ClipGen.Analyzers.Tests.Infrastructure;
using ClipGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace ClipGen.Analyzers.Tests.Fixes;

/// <summary>
/// The four failures seen when the fixes were tried on public TorchSharp training code (issue 11), in the shapes
/// seen there (written for these tests), plus the fix that used to be offered while editing nothing.
/// </summary>
public class SeenOnRealCodeTests
{
    // 1. RL agents: the optimizer is a property of an abstract base, assigned in the derived constructor.
    private const string AgentBefore = Snippets.Usings + """
        public abstract class Agent
        {
            protected optim.Optimizer Optimizer { get; set; } = null!;

            public abstract void Learn(Tensor states, Tensor actions, Tensor returns);
        }

        public sealed class ActorCriticAgent : Agent
        {
            private readonly nn.Module<Tensor, Tensor> actor = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 2));
            private readonly nn.Module<Tensor, Tensor> critic = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 1));

            public ActorCriticAgent()
            {
                Optimizer = optim.Adam(System.Linq.Enumerable.Concat(actor.parameters(), critic.parameters()), 3e-4);
            }

            public override void Learn(Tensor states, Tensor actions, Tensor returns)
            {
                Optimizer.zero_grad();
                var values = critic.call(states).squeeze(1);
                var advantage = returns - values.detach();
                var logProbs = nn.functional.log_softmax(actor.call(states), 1).gather(1, actions.unsqueeze(1)).squeeze(1);
                var loss = -(logProbs * advantage).mean() + nn.functional.mse_loss(values, returns);
                loss.backward();
                {|CG0001:Optimizer.step()|};
            }
        }
        """;

    [Fact]
    public Task A_base_class_optimizer_property_gets_a_fix_that_clips_what_it_steps() => CheckedFixVerifier<CG0001AddClippingCodeFix>.VerifyAsync(
        AgentBefore,
        AgentBefore.Replace("{|CG0001:Optimizer.step()|};", "nn.utils.clip_grad_norm_(Optimizer.parameters(), 1.0);\n        Optimizer.step();"),
        CG0001AddClippingCodeFix.TorchSharpKey);

    // 2. A Loss<Tensor, Tensor, Tensor> criterion next to the model: a loss derives from nn.Module but is no model.
    private const string CriterionBefore = Snippets.Usings + """
        public sealed class Regressor
        {
            private readonly Sequential net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1));
            private readonly Loss<Tensor, Tensor, Tensor> criterion = nn.MSELoss();

            public void Fit(optim.Optimizer optimizer, Tensor x, Tensor y, int epochs)
            {
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    optimizer.zero_grad();
                    var loss = criterion.call(net.call(x), y);
                    loss.backward();
                    {|CG0001:optimizer.step()|};
                }
            }
        }
        """;

    [Fact]
    public Task A_criterion_in_scope_is_not_taken_for_a_model() => CheckedFixVerifier<CG0001AddClippingCodeFix>.VerifyAsync(
        CriterionBefore,
        CriterionBefore.Replace("{|CG0001:optimizer.step()|};", "nn.utils.clip_grad_norm_(optimizer.parameters(), 1.0);\n            optimizer.step();"),
        CG0001AddClippingCodeFix.TorchSharpKey);

    // 3 and 4. Accumulation toggled by a flag: per-micro-batch step when off, boundary step after the loop when on.
    private const string AccumulationMembers = """
        private readonly nn.Module<Tensor, Tensor> model = nn.Linear(16, 1);
        private readonly optim.Optimizer opt;
        private readonly bool useAccumulation;
        private readonly int accum;

        public FlagTrainer(bool useAccumulation, int accum)
        {
            this.useAccumulation = useAccumulation;
            this.accum = accum;
            opt = optim.AdamW(model.parameters(), 1e-3);
        }

        private Tensor Forward(Tensor x, Tensor y) => nn.functional.mse_loss(model.call(x), y);
        """;

    private static string AccumulationLoop(string zeroGrad, string microStep, string boundaryStep) => Snippets.Usings + $$"""
        public sealed class FlagTrainer
        {
        {{Indent(AccumulationMembers)}}

            public void Train(Func<(Tensor X, Tensor Y)> next, int steps)
            {
                for (int step = 0; step < steps; step++)
                {
                    for (int micro = 0; micro < accum; micro++)
                    {
                        {{zeroGrad}};
                        var (x, y) = next();
                        var loss = Forward(x, y);
                        if (useAccumulation) loss = loss / accum;
                        loss.backward();
        {{microStep}}
                    }

                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    if (useAccumulation) {{boundaryStep}};
                }
            }
        }
        """;

    private static string Indent(string text) => "    " + text.Replace("\n", "\n    ");

    [Fact]
    public async Task Under_an_accumulation_flag_CG0002_points_at_the_starved_boundary_step_says_what_happens_and_offers_no_move()
    {
        string source = AccumulationLoop("{|#0:opt.zero_grad()|}", "                if (!useAccumulation) {|#2:opt.step()|};", "{|#1:opt.step()|}");
        var test = new CSharpCodeFixVerifier<TrainingLoopAnalyzer, CG0002MoveZeroGradCodeFix>.Test { TestCode = source, FixedCode = source };
        test.ExpectedDiagnostics.Add(new DiagnosticResult("CG0002", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments(
            "opt.zero_grad()", "opt",
            "the step uses only the gradients of the last micro-batch; remove it and clear the gradients right after each 'opt.step()' (it steps in 2 places, so no single move is correct)"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("CG0001", DiagnosticSeverity.Info).WithLocation(2));
        await test.RunAsync();

        Document document = FixRunner.Document(FixCheck.WithoutMarkup(source));
        Diagnostic cg0002 = (await FixRunner.DiagnosticsAsync(document)).Single(d => d.Id == "CG0002");
        Assert.Empty(await FixRunner.OffersAsync(document, cg0002));
    }

    [Fact]
    public Task The_CG0001_fix_on_a_per_micro_batch_step_clips_only_when_that_step_runs() => CheckedFixVerifier<CG0001AddClippingCodeFix>.VerifyAsync(
        AccumulationLoop("{|CG0002:opt.zero_grad()|}", "                if (!useAccumulation) {|CG0001:opt.step()|};", "opt.step()"),
        AccumulationLoop("{|CG0002:opt.zero_grad()|}", """
                            if (!useAccumulation)
                            {
                                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                                opt.step();
                            }
            """.TrimEnd(), "opt.step()"),
        CG0001AddClippingCodeFix.TorchSharpKey);

    [Fact]
    public Task A_direct_clear_between_backward_and_step_says_the_step_uses_no_gradients() =>
        CSharpAnalyzerVerifier<TrainingLoopAnalyzer>.VerifyAsync(Snippets.Loop("""
            nn.functional.mse_loss(model.call(x), y).backward();
            {|#0:optimizer.zero_grad()|};
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            {|#1:optimizer.step()|};
            """),
            new DiagnosticResult("CG0002", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1)
                .WithArguments("optimizer.zero_grad()", "optimizer", "the step uses no gradients"));

    [Fact]
    public async Task No_CG0002_action_is_registered_when_the_step_cannot_take_the_clearing_after_it()
    {
        Document document = FixRunner.Document(Snippets.Loop("""
            nn.functional.mse_loss(model.call(x), y).backward();
            optimizer.zero_grad();
            while (steps-- > 0) optimizer.step();
            """));
        Diagnostic cg0002 = (await FixRunner.DiagnosticsAsync(document)).Single(d => d.Id == "CG0002");

        Assert.Empty(await FixRunner.OffersAsync(document, cg0002));
    }
}

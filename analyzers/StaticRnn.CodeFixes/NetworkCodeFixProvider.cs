using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticRnn.Analyzers;
using StaticRnn.Generator.Model;
using StaticRnn.Generator.Parsing;

namespace StaticRnn.CodeFixes;

/// <summary>
/// Fixes for the diagnostics that have one obvious repair: SRNN001 (add 'partial'), SRNN002 (set
/// <c>ReturnSequences = true</c> on the previous recurrent layer) and SRNN004 (write the computed count).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NetworkCodeFixProvider)), Shared]
public sealed class NetworkCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticIds.NotPartial, DiagnosticIds.WrongRank, DiagnosticIds.ParameterMismatch);

    /// <summary>
    /// Fix all (the IDE's "Fix all occurrences", <c>dotnet format --diagnostics</c>): each fix edits its own attribute or
    /// class modifiers, so the batch fixer merges them; fixes of one kind share an equivalence key.
    /// </summary>
    public override FixAllProvider? GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            diagnostic.Properties.TryGetValue(NetworkAnalyzer.FixProperty, out string? fix);
            switch (fix)
            {
                case FixKinds.MakePartial:
                    if (node.FirstAncestorOrSelf<ClassDeclarationSyntax>() is { } cls)
                    {
                        context.RegisterCodeFix(CodeAction.Create("Make the class partial", ct => MakePartialAsync(context.Document, cls, ct), "SRNN001.MakePartial"), diagnostic);
                    }
                    break;
                case FixKinds.ReturnSequences when Property(diagnostic, NetworkAnalyzer.FixLayerProperty) is int layer and >= 0:
                    context.RegisterCodeFix(CodeAction.Create($"Set ReturnSequences = true on layer {layer + 1}",
                        ct => SetReturnSequencesAsync(context.Document, node, layer, ct), "SRNN002.ReturnSequences"), diagnostic);
                    break;
                case FixKinds.ExpectedParameters when Property(diagnostic, NetworkAnalyzer.ComputedProperty) is int computed and > 0:
                    if (node.FirstAncestorOrSelf<AttributeSyntax>() is { } attribute)
                    {
                        context.RegisterCodeFix(CodeAction.Create($"Set ExpectedParameters = {computed}",
                            ct => SetArgumentAsync(context.Document, attribute, "ExpectedParameters", Number(computed), ct), "SRNN004.ExpectedParameters"), diagnostic);
                    }
                    break;
            }
        }
    }

    private static int? Property(Diagnostic diagnostic, string name)
        => diagnostic.Properties.TryGetValue(name, out string? text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static ExpressionSyntax Number(int value) => SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value));

    private static async Task<Document> MakePartialAsync(Document document, ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        ClassDeclarationSyntax updated;
        if (declaration.Modifiers.Count == 0)
        {
            // 'class X' -> 'partial class X', keeping the leading trivia (attributes stay where they are).
            updated = declaration
                .WithKeyword(declaration.Keyword.WithLeadingTrivia())
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(declaration.Keyword.LeadingTrivia)));
        }
        else
        {
            updated = declaration.WithModifiers(declaration.Modifiers.Add(partial));
        }
        return document.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
    }

    private static async Task<Document> SetReturnSequencesAsync(Document document, SyntaxNode node, int layerIndex, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || node.FirstAncestorOrSelf<ClassDeclarationSyntax>() is not { } cls
            || model.GetDeclaredSymbol(cls, cancellationToken) is not INamedTypeSymbol type)
        {
            return document;
        }
        var layers = NetworkParser.LayerAttributes(type);
        if (layerIndex >= layers.Length || layers[layerIndex].ApplicationSyntaxReference is not { } reference
            || reference.SyntaxTree != model.SyntaxTree
            || await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is not AttributeSyntax attribute)
        {
            return document;
        }
        return await SetArgumentAsync(document, attribute, "ReturnSequences", SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the named argument <paramref name="name"/> of <paramref name="attribute"/> to <paramref name="value"/>, adding it when absent.</summary>
    private static async Task<Document> SetArgumentAsync(Document document, AttributeSyntax attribute, string name, ExpressionSyntax value, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        AttributeArgumentListSyntax list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        AttributeArgumentSyntax? existing = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
        AttributeArgumentListSyntax updated = existing is not null
            ? list.ReplaceNode(existing, existing.WithExpression(value.WithTriviaFrom(existing.Expression)))
            : list.AddArguments(SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
                null, value));
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, attribute.WithArgumentList(updated)));
    }
}

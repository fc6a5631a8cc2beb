//! Parsing and code generation of `#[lot::scenario]`.
//!
//! The user's function is kept whole: its signature and body are re-emitted
//! as a nested `async fn` of the same name inside the generated
//! `Scenario::run`, so every error in the body points at the user's own code.
//! Around it the macro generates a type holding the arguments and, for
//! functions with arguments, a constructor of the same name. Every problem
//! found is reported at once; on error the user's function is emitted
//! unchanged next to the errors, so editors keep working.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Attribute, FnArg, Ident, ItemFn, LitStr, Meta, Pat, Path, ReturnType, Token, Type};

const VALID_KEYS: &str = "name, crate";

/// Collects errors so that all of them are reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn at(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }
}

#[derive(Default)]
struct Options {
    name: Option<LitStr>,
    krate: Option<Path>,
}

fn parse_options(attr: TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let parser = |input: ParseStream<'_>| {
        while !input.is_empty() {
            let key = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            match key.to_string().as_str() {
                "name" => {
                    if options.name.is_some() {
                        errors.at(&key, "duplicate attribute key `name`");
                    } else if value.value().trim().is_empty() {
                        errors.at(&value, "`name` must not be empty");
                    } else {
                        options.name = Some(value);
                    }
                }
                "crate" => {
                    if options.krate.is_some() {
                        errors.at(&key, "duplicate attribute key `crate`");
                    } else {
                        match value.parse::<Path>() {
                            Ok(path) => options.krate = Some(path),
                            Err(_) => errors.at(
                                &value,
                                format!(
                                    "`crate` must be a path such as \"::lot\", not {:?}",
                                    value.value()
                                ),
                            ),
                        }
                    }
                }
                other => errors.at(
                    &key,
                    format!("unknown attribute key `{other}`; expected one of: {VALID_KEYS}"),
                ),
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(attr) {
        errors.push(syn::Error::new(
            e.span(),
            format!("{e}; expected `key = \"value\"` pairs with keys: {VALID_KEYS}"),
        ));
    }
    options
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = parse_options(attr, &mut errors);
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            errors.at(
                &item,
                "#[lot::scenario] goes on an `async fn` that returns a `Result`",
            );
            let error = errors.0.map(|e| e.to_compile_error());
            return quote! { #item #error };
        }
    };
    check_signature(&func, &mut errors);
    if let Some(all) = errors.0 {
        let error = all.to_compile_error();
        return quote! { #func #error };
    }
    generate(&func, options)
}

fn check_signature(func: &ItemFn, errors: &mut Errors) {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token,
            "#[lot::scenario] needs an `async fn`: add `async` before `fn`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(
            &sig.generics,
            "#[lot::scenario] does not support generic parameters: give the arguments concrete types",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.at(
            unsafety,
            "#[lot::scenario] cannot be an `unsafe fn`: the executor calls it with no way to uphold its safety contract; use `unsafe` blocks in the body instead",
        );
    }
    if let Some(abi) = &sig.abi {
        if abi.name.as_ref().is_none_or(|name| name.value() != "Rust") {
            errors.at(
                abi,
                "#[lot::scenario] does not support an `extern` ABI: the executor calls the fn from Rust; remove the `extern`",
            );
        }
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(
            variadic,
            "#[lot::scenario] does not support variadic arguments",
        );
    }
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => errors.at(
                receiver,
                "#[lot::scenario] cannot take `self`: a scenario is a free `async fn`; pass what it needs as arguments",
            ),
            FnArg::Typed(typed) => match &*typed.ty {
                Type::ImplTrait(_) => errors.at(
                    &typed.ty,
                    "scenario arguments cannot be `impl Trait`: name the type",
                ),
                ty => check_owned(ty, &mut Vec::new(), errors),
            },
        }
    }
    if let ReturnType::Default = sig.output {
        errors.at(
            &sig.ident,
            "a scenario must return a `Result`, for example `-> anyhow::Result<()>`",
        );
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(g) = &tree {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tree = proc_macro2::TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

const NOT_OWNED: &str = "scenario arguments are cloned into every iteration, so they must be owned: use an owned type or an `Arc`";

/// Reports every borrow in an argument's type, however deeply nested:
/// references and lifetimes other than `'static`. Lifetimes introduced by a
/// `for<'a>`, and the elided ones of `Fn(&str)` and `fn(&str)`, are
/// higher-ranked rather than borrows, and are accepted.
fn check_owned(ty: &Type, higher_ranked: &mut Vec<Ident>, errors: &mut Errors) {
    match ty {
        Type::Reference(r) => match &r.lifetime {
            Some(lifetime) if !is_borrow(lifetime, higher_ranked) => {
                check_owned(&r.elem, higher_ranked, errors);
            }
            _ => errors.at(r, NOT_OWNED),
        },
        Type::Array(t) => check_owned(&t.elem, higher_ranked, errors),
        Type::Group(t) => check_owned(&t.elem, higher_ranked, errors),
        Type::Paren(t) => check_owned(&t.elem, higher_ranked, errors),
        Type::Ptr(t) => check_owned(&t.elem, higher_ranked, errors),
        Type::Slice(t) => check_owned(&t.elem, higher_ranked, errors),
        Type::Tuple(t) => {
            for elem in &t.elems {
                check_owned(elem, higher_ranked, errors);
            }
        }
        Type::Path(t) => {
            if let Some(qself) = &t.qself {
                check_owned(&qself.ty, higher_ranked, errors);
            }
            check_path_owned(&t.path, higher_ranked, errors);
        }
        Type::TraitObject(t) => check_bounds_owned(&t.bounds, higher_ranked, errors),
        Type::ImplTrait(t) => check_bounds_owned(&t.bounds, higher_ranked, errors),
        _ => {}
    }
}

fn check_path_owned(path: &Path, higher_ranked: &mut Vec<Ident>, errors: &mut Errors) {
    for segment in &path.segments {
        // `Fn(&str) -> &str` arguments are higher-ranked: nothing to check.
        let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
            continue;
        };
        for arg in &args.args {
            match arg {
                syn::GenericArgument::Lifetime(lifetime) if is_borrow(lifetime, higher_ranked) => {
                    errors.at(lifetime, NOT_OWNED);
                }
                syn::GenericArgument::Type(ty) => check_owned(ty, higher_ranked, errors),
                syn::GenericArgument::AssocType(assoc) => {
                    check_owned(&assoc.ty, higher_ranked, errors);
                }
                syn::GenericArgument::Constraint(constraint) => {
                    check_bounds_owned(&constraint.bounds, higher_ranked, errors);
                }
                _ => {}
            }
        }
    }
}

fn check_bounds_owned(
    bounds: &Punctuated<syn::TypeParamBound, Token![+]>,
    higher_ranked: &mut Vec<Ident>,
    errors: &mut Errors,
) {
    for bound in bounds {
        match bound {
            syn::TypeParamBound::Trait(bound) => {
                let introduced = bound.lifetimes.as_ref().map_or(0, |for_| {
                    let before = higher_ranked.len();
                    higher_ranked.extend(for_.lifetimes.iter().filter_map(|param| match param {
                        syn::GenericParam::Lifetime(param) => Some(param.lifetime.ident.clone()),
                        _ => None,
                    }));
                    higher_ranked.len() - before
                });
                check_path_owned(&bound.path, higher_ranked, errors);
                higher_ranked.truncate(higher_ranked.len() - introduced);
            }
            syn::TypeParamBound::Lifetime(lifetime) if is_borrow(lifetime, higher_ranked) => {
                errors.at(lifetime, NOT_OWNED);
            }
            _ => {}
        }
    }
}

fn is_borrow(lifetime: &syn::Lifetime, higher_ranked: &[Ident]) -> bool {
    lifetime.ident != "static" && !higher_ranked.contains(&lifetime.ident)
}

/// Where the attributes of the user's fn go in the generated code.
#[derive(Default)]
struct Attributes {
    /// On the generated type and constructor.
    item: Vec<Attribute>,
    /// On the `Scenario` impl.
    cfg: Vec<Attribute>,
    /// On the nested fn that runs the body.
    body: Vec<Attribute>,
}

#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// The attributes that describe the scenario as an item: `doc`,
    /// `deprecated`, `must_use`.
    Item,
    /// `cfg`, which the impl needs as well as the item.
    Cfg,
    /// Lint levels, which cover both the fn and its body as written, so that
    /// `#[allow(dead_code)]` on an unused scenario still works. Not
    /// `expect`, which would go unfulfilled in one of the two places.
    ItemAndBody,
    /// Every other attribute, such as `#[expect(...)]`, `#[inline]` or
    /// `#[tracing::instrument]`.
    Body,
}

impl Place {
    const ALL: [Place; 4] = [Place::Item, Place::Cfg, Place::ItemAndBody, Place::Body];

    fn of(path: &Path) -> Self {
        let is = |names: &[&str]| names.iter().any(|name| path.is_ident(name));
        if is(&["cfg"]) {
            Place::Cfg
        } else if is(&["doc", "deprecated", "must_use"]) {
            Place::Item
        } else if is(&["allow", "warn", "deny", "forbid"]) {
            Place::ItemAndBody
        } else {
            Place::Body
        }
    }
}

impl Attributes {
    fn sort(attrs: &[Attribute]) -> Self {
        let mut sorted = Attributes::default();
        for attr in attrs {
            let Some((predicate, metas)) = cfg_attr(attr) else {
                sorted.push(Place::of(attr.path()), attr.clone());
                continue;
            };
            // `#[cfg_attr(predicate, a, b)]` is split by where `a` and `b`
            // go, each part keeping the predicate.
            for place in Place::ALL {
                let here: Vec<&Meta> = metas
                    .iter()
                    .filter(|meta| Place::of(meta.path()) == place)
                    .collect();
                if !here.is_empty() {
                    let mut part = attr.clone();
                    part.meta = syn::parse_quote!(cfg_attr(#predicate, #(#here),*));
                    sorted.push(place, part);
                }
            }
        }
        sorted
    }

    fn push(&mut self, place: Place, attr: Attribute) {
        // An inner attribute of the body (`#![...]`) stays one there, and is
        // written as an outer attribute on the generated items.
        let outer = Attribute {
            style: syn::AttrStyle::Outer,
            ..attr.clone()
        };
        match place {
            Place::Item => self.item.push(outer),
            Place::Cfg => {
                self.cfg.push(outer.clone());
                self.item.push(outer);
            }
            Place::ItemAndBody => {
                self.item.push(outer);
                self.body.push(attr);
            }
            Place::Body => self.body.push(attr),
        }
    }
}

/// The predicate and attributes of a `#[cfg_attr(predicate, attributes...)]`.
fn cfg_attr(attr: &Attribute) -> Option<(Meta, Punctuated<Meta, Token![,]>)> {
    if !attr.path().is_ident("cfg_attr") {
        return None;
    }
    attr.parse_args_with(|input: ParseStream<'_>| {
        let predicate: Meta = input.parse()?;
        input.parse::<Token![,]>()?;
        Ok((predicate, Punctuated::parse_terminated(input)?))
    })
    .ok()
}

fn generate(func: &ItemFn, options: Options) -> TokenStream {
    let krate = options
        .krate
        .map_or_else(|| quote!(::lot), |p| p.into_token_stream());
    let private = quote!(#krate::__private);
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let name = options
        .name
        .map_or_else(|| ident.unraw().to_string(), |n| n.value());
    let attrs = Attributes::sort(&func.attrs);
    let item_attrs = &attrs.item;
    let cfgs = &attrs.cfg;

    let args: Vec<&syn::PatType> = func
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some(t),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let fields: Vec<Ident> = (0..args.len())
        .map(|i| format_ident!("__lot_{}", i))
        .collect();
    let types: Vec<&Type> = args.iter().map(|a| &*a.ty).collect();

    // The user's function, nested in `run` under its own name, so that in
    // the body the name is a fn (which a `let` may shadow) rather than the
    // generated unit struct, and `#[tracing::instrument]` names its span
    // after it. Its tokens are re-emitted as written.
    let mut body = func.clone();
    body.attrs = attrs.body;
    body.vis = syn::Visibility::Inherited;
    let output_span = match &func.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => ident.span(),
    };
    // Diagnostics about the return type and the arguments point at them:
    // the support paths carry the span of the user's tokens they check.
    let into_result = respan(
        quote!(#private::IntoIterationResult::into_iteration_result),
        output_span,
    );
    let iteration_result = respan(quote!(#private::iteration_result), output_span);
    // The argument's type is named in the call, so an argument that is not
    // `Clone + Send + Sync + 'static` is reported at that type.
    let clones = fields.iter().zip(&types).map(|(field, ty)| {
        let clone = respan(quote!(#private::clone_argument), ty.span());
        quote! {
            #[allow(deprecated)]
            let #field = #clone::<#ty>(&self.#field);
        }
    });
    // The arguments are locals of `run`, so they keep its spans; everything
    // else in the call carries the return type's, so that a return type that
    // is not a `Result` is reported there, once.
    let mut callee = ident.clone();
    callee.set_span(output_span);
    let call = quote_spanned!(output_span=> #callee(#(#fields),*).await);
    let outcome = quote_spanned!(output_span=> #iteration_result(#into_result(#call)));

    // The impl names the type through an alias that allows `deprecated`, so
    // that a `#[deprecated]` scenario's own impl does not warn. An
    // `#[allow(deprecated)]` on the impl would also silence the deprecation
    // warnings of the user's body, which is nested in it.
    let implementation = quote! {
        #(#cfgs)*
        const _: () = {
            #[allow(deprecated)]
            type __LotScenario = #ident;

            impl #private::Scenario for __LotScenario {
                fn run(&self) -> impl ::core::future::Future<
                    Output = #private::anyhow::Result<()>
                > + ::core::marker::Send + 'static {
                    #[allow(clippy::needless_pass_by_value, clippy::unused_async)]
                    #body
                    #(#clones)*
                    async move { #outcome }
                }

                fn name(&self) -> &str {
                    #name
                }
            }
        };
    };

    if args.is_empty() {
        return quote! {
            #(#item_attrs)*
            #[allow(non_camel_case_types)]
            #[derive(Clone, Copy, Debug, Default)]
            #vis struct #ident;

            #implementation
        };
    }

    // Constructor parameters keep the user's names where they are plain identifiers.
    let params: Vec<Ident> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match &*a.pat {
            Pat::Ident(p) if p.subpat.is_none() => p.ident.clone(),
            _ => format_ident!("__lot_arg{}", i),
        })
        .collect();
    quote! {
        #(#item_attrs)*
        #[allow(non_camel_case_types)]
        #vis struct #ident {
            #(#fields: #types,)*
        }

        #(#item_attrs)*
        #[allow(clippy::too_many_arguments, deprecated)]
        #vis fn #ident(#(#params: #types),*) -> #ident {
            #ident { #(#fields: #params,)* }
        }

        #implementation
    }
}
